package io.tributary.common.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every deployable exports besides its own metrics: readiness and the JVM, tagged with the deployable. */
class AppRunnerMetricsTest {
    @TempDir
    Path dir;

    @Test
    void exportsReadinessAndTheJvmUnderTheDeployableTag() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                kafka: { bootstrap: "127.0.0.1:1" }
                registry: { url: "http://127.0.0.1:1" }
                sources: [ { name: src, sqlite: { path: /x.db }, tables: [t] } ]
                services: [ { name: svc, target: { url: "jdbc:postgresql://127.0.0.1:1/x", user: u }, tables: [src.main.t] } ]
                http: { sink: %d }
                """.formatted(port));
        AtomicBoolean ready = new AtomicBoolean();
        CountDownLatch stop = new CountDownLatch(1);
        AtomicInteger code = new AtomicInteger(-1);
        Thread t = new Thread(() -> code.set(AppRunner.run("sink", new String[] {"--config", file.toString()}, List.of(),
                (c, o, m, p) -> new Deployable() {
                    @Override
                    public void start() {
                    }

                    @Override
                    public boolean ready() {
                        return ready.get();
                    }

                    @Override
                    public void close() {
                    }
                }, stop)));
        t.start();
        try {
            String before = scrapeWhen(port, "tributary_ready{");
            assertTrue(before.contains("tributary_ready{deployable=\"sink\"} 0.0"), before);
            ready.set(true);
            String after = scrapeWhen(port, "tributary_ready{deployable=\"sink\"} 1.0");
            for (String jvm : List.of("jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total", "jvm_threads_live_threads",
                    "jvm_classes_loaded_classes", "process_cpu_usage", "process_uptime_seconds")) {
                assertTrue(after.lines().anyMatch(l -> l.startsWith(jvm + "{") && l.contains("deployable=\"sink\"")), jvm + " in\n" + after);
            }
        } finally {
            stop.countDown();
            t.join(30_000);
        }
        assertEquals(0, code.get());
    }

    /** The first scrape (within 20 s) that contains {@code expected}. */
    private static String scrapeWhen(int port, String expected) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + 20_000_000_000L;
        String body = "";
        while (System.nanoTime() < deadline) {
            try {
                body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (body.contains(expected)) {
                    return body;
                }
            } catch (java.net.ConnectException notYet) {
                // the endpoints are not up yet
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L); // poll again shortly: a bounded wait on the condition above
        }
        throw new AssertionError("no scrape of port " + port + " contained " + expected + " within 20 s; last:\n" + body);
    }
}
