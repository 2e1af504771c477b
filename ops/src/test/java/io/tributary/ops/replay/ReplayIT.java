package io.tributary.ops.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.common.config.Secret;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.ops.reconcile.ReconcileBench;
import io.tributary.schemas.kafka.Topics;
import io.tributary.testkit.TestServers;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tributary replay} on a real broker, registry, PostgreSQL and SQLite file: a service whose topic holds
 * the snapshot of a SQLite table (as the transform writes it, in Kafka transactions) is rebuilt into an empty
 * database, interrupted part way and resumed, and the command reports its throughput and equality with the
 * source. Rows: {@code -Dtributary.it.replay.rows} (default 200,000: at 1M rows the test took 44.5 s on this
 * machine when quiet and several times that under its usual shared load; {@code bin/tributary bench replay}
 * measures 1M against raw COPY).
 */
class ReplayIT {
    static final long ROWS = Long.getLong("tributary.it.replay.rows", 200_000);

    @TempDir
    Path dir;

    @Test
    void rebuildsAServiceIntoAnEmptyDatabaseResumesAfterAnInterruptionAndReportsEquality() throws Exception {
        String source = "rp" + Long.toHexString(System.nanoTime());
        String service = source + "-svc";
        Path sqlite = dir.resolve("experiments.db");
        ReconcileBench.sqliteSource(sqlite, ROWS);
        TestServers.createTopics(Topics.perService(service, ReconcileBench.TABLE), Topics.generations(source));
        ReplayBench.produce(TestServers.kafkaBootstrap(), TestServers.registryUrl(), source, service, ROWS);
        String live = TestServers.newDatabase("replay_live_target");
        String rebuilt = TestServers.newDatabase("replay_rebuilt");
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.writeString(pipeline, """
                kafka: { bootstrap: "%s" }
                registry: { url: "%s" }
                sources:
                  - name: %s
                    sqlite: { path: "%s" }
                    tables: [%s]
                services:
                  - name: %s
                    target: { url: "%s", user: postgres }
                    tables: [%s.main.%s]
                """.formatted(TestServers.kafkaBootstrap(), TestServers.registryUrl(), source, sqlite, ReconcileBench.TABLE, service, live,
                source, ReconcileBench.TABLE));
        PipelineConfig config = PipelineConfigLoader.load(pipeline, Map.of());

        // interrupted a quarter of the way, as SIGTERM would
        try (Replay first = new Replay(config, config.services().get(0), new PipelineConfig.Database(rebuilt, "postgres", Secret.NONE))) {
            first.start(null, new PrintStream(java.io.OutputStream.nullOutputStream()), false);
            assertTrue(first.awaitApplied(ROWS / 4, 120_000), "a quarter of the rows within 2 minutes");
        }

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = TributaryCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("replay", "--config", pipeline.toString(), "--service", service, "--to", rebuilt, "--json", "--settle", "0");
        assertEquals(0, code, err + "\n" + out);

        JsonNode report = new ObjectMapper().readTree(out.toString());
        JsonNode replay = report.path("replay");
        assertTrue(replay.path("resumed").asBoolean(), "the second run resumes the interrupted one: " + replay);
        long rest = replay.path("records").asLong();
        assertTrue(rest > 0 && rest < ROWS, "only what the first run had not applied: " + rest);
        assertTrue(replay.path("rows_per_second").asLong() > 0, replay.toString());
        assertEquals("PASS", report.path("verdict").asText());
        JsonNode table = report.path("tables").get(0);
        assertEquals(ROWS, table.path("source_rows").asLong());
        assertEquals(ROWS, table.path("target_rows").asLong());
        assertEquals(0, table.path("missing").asLong() + table.path("extra").asLong() + table.path("changed").asLong());
        assertFalse(report.toString().contains(live), "the live target was not touched");
        System.out.printf("replay of %,d rows (resumed for %,d records): %,d rows/s%n", ROWS, rest, replay.path("rows_per_second").asLong());
    }

    @Test
    void anUnknownServiceOrOneWithoutTopicsExits2WithTheReason() throws Exception {
        String source = "rq" + Long.toHexString(System.nanoTime());
        Path sqlite = dir.resolve("empty.db");
        ReconcileBench.sqliteSource(sqlite, 1);
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.writeString(pipeline, """
                kafka: { bootstrap: "%s" }
                registry: { url: "%s" }
                sources:
                  - name: %s
                    sqlite: { path: "%s" }
                    tables: [%s]
                services:
                  - name: %s-svc
                    target: { url: "%s", user: postgres }
                    tables: [%s.main.%s]
                """.formatted(TestServers.kafkaBootstrap(), TestServers.registryUrl(), source, sqlite, ReconcileBench.TABLE, source,
                TestServers.newDatabase("replay_no_topics"), source, ReconcileBench.TABLE));
        StringWriter err = new StringWriter();
        CommandLine cl = TributaryCommand.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        assertEquals(2, cl.execute("replay", "--config", pipeline.toString(), "--service", "nobody"));
        assertTrue(err.toString().contains("no service named 'nobody'"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, cl.execute("replay", "--config", pipeline.toString(), "--service", source + "-svc"));
        assertTrue(err.toString().contains("cannot start") && err.toString().contains("has the transform run"), err.toString());
    }
}
