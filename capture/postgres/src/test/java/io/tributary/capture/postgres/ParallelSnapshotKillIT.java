package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.kafka.Topics;
import io.tributary.testkit.TestServers;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * capture-postgres killed with SIGKILL (a process of its own: no engine stop, no offset commit, no producer
 * flush) while four workers read the initial snapshot and an application writes: the restarted capture takes a
 * new snapshot in a new, higher generation, never a mix. Its generation alone (the snapshot read again and the
 * changes streamed after it), folded by key, must equal the source, so a reader that drops the older
 * generation at the marker loses nothing (and needs to drop: rows deleted between the two snapshots are only
 * in the older one); and the one marker on the topic is the new generation's (the killed snapshot wrote none).
 */
class ParallelSnapshotKillIT {
    private static final int ROWS = 150_000;
    private static final long SENTINEL = 1L << 40;

    @TempDir
    Path dir;

    @Test
    void killedDuringTheParallelSnapshotTheRestartSnapshotsAgainInANewGeneration() throws Exception {
        try (CaptureRun run = new CaptureRun(dir, "parkill")) {
            run.sql("CREATE TABLE big (id bigint PRIMARY KEY, v text NOT NULL, n integer NOT NULL);"
                    + "INSERT INTO big SELECT g, 'v' || g, 0 FROM generate_series(1, " + ROWS + ") g; ANALYZE big");
            run.pipelineWith("snapshot-workers: 4", "big");
            String topic = run.source + ".public.big";
            try (ParallelSnapshotIT.Writer writer = new ParallelSnapshotIT.Writer(run.url, ROWS + 1)) {
                Process killed = null;
                // a fresh JVM on a busy CI machine may not reach Kafka within the start-up checks' 10 s (exit 2 before any
                // snapshot): that is started again, a bounded number of times; any other end is a failure
                for (int attempt = 1; attempt <= 5 && (killed == null || startUpChecksFailed(killed)); attempt++) {
                    Process p = startProcess(run);
                    killed = p;
                    Awaitility.await("the parallel snapshot under way").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(200))
                            .until(() -> !p.isAlive() || endOffset(topic) > 5_000);
                }
                Process first = killed;
                assertTrue(first.isAlive(), () -> "the first capture ended by itself (exit " + first.exitValue() + "): " + logTail());
                killed.destroyForcibly();
                assertTrue(killed.waitFor(30, TimeUnit.SECONDS), "the killed capture did not end");
                assertEquals(0, endOffset(Topics.generations(run.source)), "a marker was written before the kill: the snapshot had completed");
                assertTrue(endOffset(topic) < ROWS, "killed after the snapshot ended: " + endOffset(topic) + " records");

                run.start();
                ParallelSnapshotIT.awaitMarker(run.source);
                long atMarker = writer.transactions.get();
                Awaitility.await("the writer after the snapshot").atMost(Duration.ofSeconds(60))
                        .until(() -> writer.failure.get() != null || writer.transactions.get() > atMarker + 100);
                writer.close();
                assertEquals(null, writer.failure.get(), "the writer failed");
            }
            run.sql("INSERT INTO big VALUES (" + SENTINEL + ", 'last', 0)");
            Map<Long, String> source = ParallelSnapshotIT.sourceRows(run.url);
            List<ChangeEvent> events = run.read("big", Duration.ofSeconds(300),
                    read -> !read.isEmpty() && Long.valueOf(SENTINEL).equals(read.get(read.size() - 1).keyImage().get("id")));
            long first = events.get(0).position().parts()[0];
            long last = events.get(events.size() - 1).position().parts()[0];
            assertTrue(last > first, "the restart snapshotted in generation " + last + ", not above the killed one's " + first);
            assertEquals(1, endOffset(Topics.generations(run.source)), "markers: only the restarted snapshot's");
            assertEquals("", ParallelSnapshotIT.differences(source, fold(events.stream().filter(e -> e.position().parts()[0] == last).toList())),
                    "the new generation alone, folded by key, against the source");
            // the older generation's rows are dropped at the marker, as the sink does: rows the source deleted between the
            // killed snapshot and the new one were never streamed, and the topic folded across generations still holds them
            assertTrue(events.stream().anyMatch(e -> e.position().parts()[0] == first && e.op() == Op.READ), "the killed snapshot's rows are on the topic");
        }
    }

    /** capture-postgres as a process of its own, on this JVM's class path; its output goes to a file in the test's folder. */
    private Process startProcess(CaptureRun run) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        File log = dir.resolve("capture-1.log").toFile();
        return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), PostgresCaptureApp.class.getName(),
                "--config", run.file.toString()).redirectErrorStream(true).redirectOutput(log).start();
    }

    private boolean startUpChecksFailed(Process p) {
        return !p.isAlive() && p.exitValue() == 2 && logTail().contains("start-up checks of capture-postgres");
    }

    private String logTail() {
        try {
            String log = java.nio.file.Files.readString(dir.resolve("capture-1.log"));
            return log.substring(Math.max(0, log.length() - 4000));
        } catch (java.io.IOException e) {
            return "no log (" + e + ")";
        }
    }

    /** The rows the events leave, folded by key to the event with the highest position: id to "v|n", deleted keys left out. */
    private static Map<Long, String> fold(List<ChangeEvent> events) {
        Map<Long, ChangeEvent> newest = new HashMap<>();
        events.forEach(e -> ParallelSnapshotIT.fold(newest, e));
        return ParallelSnapshotIT.rows(newest);
    }

    /** Records on partition 0 of {@code topic}; 0 while the capture has not made it. */
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
