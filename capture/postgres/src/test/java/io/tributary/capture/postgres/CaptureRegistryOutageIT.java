package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.testkit.Ports;
import io.tributary.testkit.TcpRelay;
import io.tributary.testkit.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * capture-postgres started while the schema registry does not answer (a relay in front of the real registry that
 * closes every connection) waits for it, with a warning and {@code tributary.errors{kind=retriable}}, instead of
 * exiting into a crash loop; once the relay forwards to the real registry it captures the snapshot and the changes
 * made meanwhile, each row once.
 */
class CaptureRegistryOutageIT {
    @TempDir
    Path dir;

    @Test
    void waitsForTheRegistryAtItsFirstRegistrationThenCapturesEverything() throws Exception {
        URI registry = URI.create(TestServers.registryUrl());
        int http = Ports.free();
        try (TcpRelay relay = new TcpRelay(registry.getHost(), registry.getPort());
             CaptureRun run = new CaptureRun(dir, "registry_outage")) {
            relay.down();
            run.sql("CREATE TABLE items (id bigint PRIMARY KEY, name text); INSERT INTO items SELECT g, 'snap ' || g FROM generate_series(1, 5) g");
            run.registryUrl("http://127.0.0.1:" + relay.port() + registry.getPath()).httpPort(http).pipeline("items").start();

            Awaitility.await("a registry failure counted while capture-postgres waits").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500)).until(() -> {
                        assertEquals(-1, run.exitCode(), "capture-postgres exited while the registry was down");
                        return retriableErrors(http, run.source) >= 1;
                    });
            run.sql("INSERT INTO items SELECT g, 'while down ' || g FROM generate_series(6, 8) g");
            assertEquals(-1, run.exitCode(), "still running");

            relay.target(registry.getHost(), registry.getPort());
            run.sql("INSERT INTO items VALUES (9, 'after')");
            List<ChangeEvent> events = run.read("items", Duration.ofSeconds(120), e -> e.size() >= 9);
            List<Long> ids = events.stream().map(e -> ((Number) e.after().get("id")).longValue()).sorted().toList();
            assertEquals(LongStream.rangeClosed(1, 9).boxed().toList(), ids, "every row once, none lost: " + events.stream()
                    .map(e -> e.op() + " " + e.after()).collect(Collectors.joining(", ")));
            assertEquals(-1, run.exitCode(), "capture-postgres runs on");
        }
    }

    /** {@code tributary_errors_total{kind="retriable"}} of the source, from the capture's /metrics. */
    private static double retriableErrors(int port, String source) throws Exception {
        HttpResponse<String> r;
        try {
            r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException notYet) {
            return 0; // the endpoint is served once the start-up checks passed
        }
        assertEquals(200, r.statusCode());
        return r.body().lines().filter(l -> l.startsWith("tributary_errors_total{") && l.contains("kind=\"retriable\"")
                        && l.contains("source=\"" + source + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
