package io.tributary.ops.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.ops.PipelineRunner;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.testkit.TestServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tributary status} on a running pipeline (real SQLite file, Kafka, registry, PostgreSQL): healthy
 * while it streams; a sink that is alive but cannot write (its target table locked) shows as stuck once the
 * oldest record it has not consumed is older than --stuck-after; a stopped sink shows as failed; exit 1 in
 * both, 0 again once it recovers.
 */
class StatusIT {
    @TempDir
    Path dir;

    private record Run(int exit, JsonNode report) {
    }

    @Test
    void showsStreamingThenStuckThenFailed() throws Exception {
        String target = TestServers.newDatabase("status");
        Path db = dir.resolve("alerts.db");
        sqlite(db, "PRAGMA journal_mode = WAL",
                "CREATE TABLE alerts (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, price REAL)",
                "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 50) INSERT INTO alerts SELECT v, 'S' || v, v * 1.5 FROM n");
        String source = "status" + Long.toHexString(System.nanoTime());
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, """
                kafka: { bootstrap: "%s" }
                registry: { url: "%s" }
                http: { capture-sqlite: %d, transform: %d, sink: %d }
                sources:
                  - name: %s
                    sqlite: { path: "%s", poll-interval: 20ms }
                    tables: [alerts]
                services:
                  - name: %s-svc
                    target: { url: "%s", user: postgres }
                    tables: [%s.main.alerts]
                """.formatted(TestServers.kafkaBootstrap(), TestServers.registryUrl(), freePort(), freePort(), freePort(), source, db,
                source, target, source));
        try (PipelineRunner runner = new PipelineRunner(file)) {
            Run healthy = await(file, r -> r.exit() == 0 && table(r).path("sink").path("lagRecords").asLong() == 0
                    && table(r).path("state").asText().equals("streaming"));
            assertEquals("streaming", table(healthy).path("state").asText(), healthy.report().toPrettyString());
            assertEquals(0, healthy.report().path("services").get(0).path("sinkDeadLetters").asLong());
            JsonNode own = new ObjectMapper().readTree(java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(deployable(healthy, "sink").path("url").asText() + "/status")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body());
            assertEquals("sink", own.path("deployable").asText(), own.toPrettyString());
            assertTrue(own.path("alive").asBoolean() && own.path("ready").asBoolean(), own.toPrettyString());
            assertEquals(50.0, own.path("tables").path(source + ".main.alerts").path("sink.rows.applied").asDouble(), own.toPrettyString());

            try (Connection lock = DriverManager.getConnection(target, "postgres", "")) {
                lock.setAutoCommit(false);
                try (Statement s = lock.createStatement()) {
                    s.execute("LOCK TABLE alerts IN ACCESS EXCLUSIVE MODE");
                }
                sqlite(db, "INSERT INTO alerts VALUES (51, 'NEW', 1.0)");
                Run stuck = await(file, r -> table(r).path("state").asText().equals("stuck"));
                assertEquals(1, stuck.exit(), "a stuck table is not healthy");
                assertTrue(table(stuck).path("sink").path("lagSeconds").asDouble() > 10, stuck.report().toPrettyString());
                assertEquals("up", deployable(stuck, "sink").path("state").asText(), "the sink is alive: stuck, not down");
                lock.rollback();
            }
            await(file, r -> r.exit() == 0 && table(r).path("sink").path("lagRecords").asLong() == 0);

            runner.stop("sink");
            Run failed = await(file, r -> table(r).path("state").asText().equals("failed"));
            assertEquals(1, failed.exit());
            assertEquals("down", deployable(failed, "sink").path("state").asText());
        }
    }

    private static JsonNode table(Run r) {
        return r.report().path("tables").get(0);
    }

    private static JsonNode deployable(Run r, String name) {
        for (JsonNode d : r.report().path("deployables")) {
            if (d.path("name").asText().equals(name)) {
                return d;
            }
        }
        throw new AssertionError("no deployable " + name + " in " + r.report());
    }

    /** Runs `status --json` until {@code done} holds (at most 120 s); the last report if it never does. */
    private static Run await(Path file, Predicate<Run> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        Run last;
        do {
            last = status(file);
            if (done.test(last)) {
                return last;
            }
        } while (System.nanoTime() < deadline);
        throw new AssertionError("status never reached the expected state; last report: " + last.report().toPrettyString());
    }

    private static Run status(Path file) throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cl = TributaryCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        int exit = cl.execute("status", "--config", file.toString(), "--json", "--stuck-after", "10");
        assertTrue(exit == 0 || exit == 1, "exit " + exit + ": " + out);
        return new Run(exit, new ObjectMapper().readTree(out.toString()));
    }

    private static void sqlite(Path db, String... sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    private static int freePort() throws Exception {
        return io.tributary.testkit.Ports.free();
    }
}
