package io.tributary.ops;

import static io.tributary.ops.PostgresScenario.await;
import static io.tributary.ops.PostgresScenario.sql;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.capture.postgres.PostgresCaptureApp;
import io.tributary.testkit.TestServers;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * capture-postgres killed with SIGKILL (a process of its own, {@code destroyForcibly}: no engine stop, no
 * offset commit, no producer flush) during the initial snapshot and again while streaming, with two
 * application threads changing random existing rows all along (pgbench-style: insert, update, delete per
 * transaction). After the last restart the target must equal the source, every column of every row: a
 * snapshot row that overwrote a newer streamed value, or a change lost between the last committed offset
 * and the kill, would leave a row that differs.
 */
class PostgresKillIT {
    @TempDir
    Path dir;

    @Test
    void killedDuringTheSnapshotAndWhileStreamingUnderAWorkloadTheTargetEndsEqual() throws Exception {
        PostgresScenario pg = new PostgresScenario(dir, "kill9");
        sql(pg.sourceUrl, """
                CREATE TABLE accounts (id bigint PRIMARY KEY, v text NOT NULL);
                INSERT INTO accounts SELECT g, 'v0' FROM generate_series(1, 150000) g;
                CREATE TABLE tellers (id bigint PRIMARY KEY, v text NOT NULL);
                INSERT INTO tellers SELECT g, 'v0' FROM generate_series(1, 2000) g;
                """);
        pg.pipeline("accounts", "tellers");
        try (PipelineRunner runner = new PipelineRunner(pg.file, Set.of("capture-postgres"));
             Workload a = new Workload(pg.sourceUrl, 150000, "accounts", "tellers");
             Workload b = new Workload(pg.sourceUrl, 2000, "accounts", "tellers")) {
            Process capture = startCapture(pg, "1");
            String topic = pg.source + ".public.accounts";
            await(() -> endOffset(topic) > 10_000, Duration.ofSeconds(180), "the initial snapshot under way");
            long atKill = endOffset(topic);
            kill(capture);
            assertTrue(atKill < 150_000, "killed before the snapshot ended: " + atKill + " records");

            capture = startCapture(pg, "2");
            long before = a.transactions() + b.transactions();
            await(() -> pg.targetCount("tellers") > 0 && a.transactions() + b.transactions() > before + 200 && streamed(pg),
                    Duration.ofSeconds(300), "the restarted capture streaming the workload's changes");
            kill(capture);

            capture = startCapture(pg, "3");
            long again = a.transactions() + b.transactions();
            await(() -> a.transactions() + b.transactions() > again + 200, Duration.ofSeconds(120), "more of the workload after the last restart");
            a.close();
            b.close();
            try {
                pg.awaitMatch(runner);
            } finally {
                kill(capture);
            }
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }

    /** capture-postgres as a process of its own, on this JVM's class path; its output goes to a file in the test's folder. */
    private Process startCapture(PostgresScenario pg, String run) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        File log = dir.resolve("capture-" + run + ".log").toFile();
        return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), PostgresCaptureApp.class.getName(),
                "--config", pg.file.toString())
                .redirectErrorStream(true).redirectOutput(log).start();
    }

    /** SIGKILL: the process gets no chance to stop its engine, commit offsets or flush its producer. */
    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the killed capture did not end");
    }

    /** Whether the target holds a row the workload inserted (ids far above the seeded ones): streaming has reached it. */
    private static boolean streamed(PostgresScenario pg) throws Exception {
        String n = PostgresScenario.value(pg.targetUrl, "SELECT count(*) FROM accounts WHERE id > 1000000");
        return n != null && Long.parseLong(n) > 0;
    }

    private static long endOffset(String topic) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition p = new TopicPartition(topic, 0);
            return c.partitionsFor(topic, Duration.ofSeconds(10)).isEmpty() ? 0 : c.endOffsets(List.of(p)).get(p);
        } catch (org.apache.kafka.common.errors.TimeoutException | org.apache.kafka.common.errors.UnknownTopicOrPartitionException e) {
            return 0; // the capture has not made the topic yet
        }
    }
}
