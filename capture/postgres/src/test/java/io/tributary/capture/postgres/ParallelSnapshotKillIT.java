package io.tributary.capture.postgres;

import static io.tributary.testkit.TestServers.endOffset;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.kafka.Topics;
import io.tributary.testkit.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
                try (ChildJvm first = snapshotUnderWay(run, topic)) {
                    assertTrue(first.isAlive(), () -> "the first capture ended by itself (exit " + first.exitValue() + "): " + first.logTail(4000));
                    first.kill();
                }
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

    /**
     * capture-postgres in a JVM of its own, once its snapshot is under way or it has ended. A fresh JVM on a busy
     * CI machine may not reach Kafka within the start-up checks' 10 s (exit 2 before any snapshot): that is
     * started again, a bounded number of times; any other end is for the caller to fail on.
     */
    private ChildJvm snapshotUnderWay(CaptureRun run, String topic) throws Exception {
        for (int attempt = 1; ; attempt++) {
            ChildJvm capture = ChildJvm.start(PostgresCaptureApp.class, dir.resolve("capture-1.log"), "--config", run.file.toString());
            try {
                Awaitility.await("the parallel snapshot under way").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(200))
                        .until(() -> !capture.isAlive() || endOffset(topic) > 5_000);
            } catch (RuntimeException | Error e) {
                capture.close(); // no capture left running after the test
                throw e;
            }
            if (attempt == 5 || !startUpChecksFailed(capture)) {
                return capture;
            }
        }
    }

    private static boolean startUpChecksFailed(ChildJvm capture) {
        return !capture.isAlive() && capture.exitValue() == 2 && capture.logTail(4000).contains("start-up checks of capture-postgres");
    }

    /** The rows the events leave, folded by key to the event with the highest position: id to "v|n", deleted keys left out. */
    private static Map<Long, String> fold(List<ChangeEvent> events) {
        Map<Long, ChangeEvent> newest = new HashMap<>();
        events.forEach(e -> ParallelSnapshotIT.fold(newest, e));
        return ParallelSnapshotIT.rows(newest);
    }
}
