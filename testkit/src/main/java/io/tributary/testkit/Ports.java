package io.tributary.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for servers a test starts later. A port the kernel hands out for {@code new ServerSocket(0)}
 * comes from the ephemeral range (Linux: 32768-60999), the same range every outbound connection (Kafka
 * clients, JDBC) takes its local port from, so between choosing such a port and binding it another
 * connection of the same busy test JVM may take it ({@code BindException}). Ports below that range are never
 * handed out to outbound connections: one that binds now stays free unless a server binds it on purpose.
 */
public final class Ports {
    private static final int LOW = 15_000;
    private static final int HIGH = 32_000;

    private Ports() {
    }

    /** A port in {@code [15000, 32000)} that nothing listens on now. */
    public static int free() throws IOException {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOW, HIGH);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
                return port;
            } catch (IOException taken) {
                // taken: try another
            }
        }
        throw new IOException("no free port in [" + LOW + ", " + HIGH + ") after 1000 attempts");
    }
}
