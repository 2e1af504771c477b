package io.tributary.common.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * Serves {@code /metrics} (Prometheus text format), {@code /health/live} and {@code /health/ready}
 * (200 or 503) and {@code /status} (JSON) for one deployable. The JDK's own HTTP server: no framework for three plain endpoints.
 */
public final class HttpEndpoints implements AutoCloseable {
    private final HttpServer server;

    public HttpEndpoints(int port, PrometheusMeterRegistry metrics, BooleanSupplier live, BooleanSupplier ready) throws IOException {
        this("0.0.0.0", port, metrics, live, ready, () -> "{}");
    }

    /** Also serves {@code /status}: the JSON {@code status} gives (see {@link DeployableStatus}). */
    public HttpEndpoints(String bind, int port, PrometheusMeterRegistry metrics, BooleanSupplier live, BooleanSupplier ready,
                         java.util.function.Supplier<String> status) throws IOException {
        server = HttpServer.create(new InetSocketAddress(bind, port), 0);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tributary-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4", metrics.scrape()));
        server.createContext("/health/live", ex -> health(ex, live.getAsBoolean()));
        server.createContext("/health/ready", ex -> health(ex, ready.getAsBoolean()));
        server.createContext("/status", ex -> respond(ex, 200, "application/json", status.get()));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void health(HttpExchange ex, boolean up) throws IOException {
        respond(ex, up ? 200 : 503, "application/json", up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
