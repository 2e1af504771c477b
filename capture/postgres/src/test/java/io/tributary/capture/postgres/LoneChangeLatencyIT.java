package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.schemas.event.ChangeEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A change that comes alone, after the source has been quiet, is handed over without waiting for a batch to
 * fill: with Debezium's default {@code poll.interval.ms} (500 ms) its replication reader slept up to 500 ms after
 * finding nothing, and its queue then waited up to another 500 ms for a full batch, so a lone change spent about
 * half a second in the capture (0 to 1 s). {@link PostgresCapture#POLL_INTERVAL} bounds both waits.
 *
 * <p>What is bounded is the capture's own hold: from the source commit ({@code commitTsMs}, the transaction's
 * commit time) to the moment the capture builds the event ({@code tsMs}), the median of nine lone changes, each
 * committed only after the previous one was read from Kafka. The median, not each one, so that a busy CI machine
 * that delays one of them does not fail the test; the waits it checks for are scheduled, not CPU. The inserting
 * session commits synchronously: the test server runs with {@code synchronous_commit=off}, and logical decoding
 * sends only flushed WAL, which the WAL writer flushes every 200 ms; that delay is the source's, not the capture's.
 */
class LoneChangeLatencyIT {
    /** Far above the ~20 ms the capture's waits now add, far below the ~500 ms median the defaults gave. */
    private static final long MEDIAN_BOUND_MS = 250;

    @TempDir
    Path dir;

    @Test
    void loneChangesLeaveTheCaptureWithoutWaitingForABatch() throws Exception {
        try (CaptureRun run = new CaptureRun(dir, "lone")) {
            run.sql("CREATE TABLE lone (id bigint PRIMARY KEY, v text); INSERT INTO lone VALUES (0, 'snapshot')");
            run.pipeline("lone").start();
            run.read("lone", Duration.ofSeconds(120), e -> !e.isEmpty());
            List<Long> held = new ArrayList<>();
            for (long id = 1; id <= 9; id++) {
                run.sql("SET synchronous_commit = on; INSERT INTO lone VALUES (" + id + ", 'lone')");
                long wanted = id;
                List<ChangeEvent> events = run.read("lone", Duration.ofSeconds(60),
                        e -> e.stream().anyMatch(c -> c.after() != null && Long.valueOf(wanted).equals(c.after().get("id"))));
                ChangeEvent change = events.stream().filter(c -> c.after() != null && Long.valueOf(wanted).equals(c.after().get("id")))
                        .findFirst().orElseThrow();
                held.add(change.tsMs() - change.commitTsMs());
            }
            List<Long> sorted = held.stream().sorted().toList();
            long median = sorted.get(sorted.size() / 2);
            assertTrue(median < MEDIAN_BOUND_MS, "a lone change should leave the capture within " + MEDIAN_BOUND_MS
                    + " ms of its commit (median); held for " + held + " ms: is poll.interval.ms back at Debezium's 500 ms default?");
        }
    }
}
