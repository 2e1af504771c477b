package io.tributary.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on a loopback port in front of a real server, for fault tests: it forwards every connection to
 * its current target, which a test switches to another real server ({@link #target}) or takes away
 * ({@link #down}: connections are accepted and closed at once). Switching closes the connections already
 * relayed, so a client's pooled connection cannot keep talking to the old target. Bytes pass unchanged: the
 * servers behind it answer every request themselves.
 */
public final class TcpRelay implements AutoCloseable {
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile String host;
    private volatile int port;

    public TcpRelay(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "tcp-relay-" + server.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    /** The loopback port clients connect to. */
    public int port() {
        return server.getLocalPort();
    }

    /** Relays new connections to {@code host:port} from now on, and closes the ones relayed so far. */
    public void target(String host, int port) {
        this.host = host;
        this.port = port;
        dropConnections();
    }

    /** Accepts and closes every connection from now on (a server that went away), and closes the ones relayed so far. */
    public void down() {
        this.host = null;
        dropConnections();
    }

    private void dropConnections() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException closed) {
                return; // the relay was closed
            }
            String h = host;
            if (h == null) {
                closeQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket(h, port);
                open.add(client);
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                closeQuietly(client); // the target is not listening: the client sees its connection closed
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException closed) {
                // one side closed or was dropped: close both below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException alreadyClosed) {
            // nothing to release
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropConnections();
    }
}
