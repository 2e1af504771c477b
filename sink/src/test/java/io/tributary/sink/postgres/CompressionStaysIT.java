package io.tributary.sink.postgres;

import static io.tributary.sink.postgres.TimescaleTargets.chunks;
import static io.tributary.sink.postgres.TimescaleTargets.event;
import static io.tributary.sink.postgres.TimescaleTargets.one;
import static io.tributary.sink.postgres.TimescaleTargets.row;
import static io.tributary.sink.postgres.TimescaleTargets.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.Op;
import io.tributary.sink.timescale.HistoryWorker;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Migrated history is compressed when its snapshot ends, and stays compressed: live rows go to recent chunks
 * without decompressing a single batch of history; a late update, a row moved in time and a delete each
 * decompress only the batch holding their row. Counted in TimescaleDB's catalog (batches and rows still in
 * compressed form, chunk status) before and after. The control: a delete without a before-image (a
 * PostgreSQL source without REPLICA IDENTITY FULL) has to search every chunk, and the same count shows it.
 */
class CompressionStaysIT {
    static final PipelineConfig.Timescale DECLARED = new PipelineConfig.Timescale("time", "1 day", false, List.of("experiment_id"), List.of(),
            "7 days", null, List.of());

    @Test
    void compressedChunksStayCompressedWhileLiveRowsGoToRecentChunks() throws Exception {
        String url = TimescaleTargets.database("ts_compression");
        Instant end = Instant.now().truncatedTo(ChronoUnit.HOURS);
        List<SinkEvent> snapshot = TimescaleTargets.snapshot(end, 40);
        PipelineConfig.Service service = TimescaleTargets.service(url, DECLARED);
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (BatchApplier applier = new BatchApplier(service, (t, p, o, k, v, id) -> null);
             HistoryWorker worker = new HistoryWorker(service, AggregateHistoryIT.QUICK, metrics)) {
            new Thread(worker, "history").start();
            for (int i = 0; i < snapshot.size(); i += 2000) {
                applier.apply(snapshot.subList(i, Math.min(snapshot.size(), i + 2000)));
            }
            assertTrue(worker.awaitNothingOwed(Duration.ofSeconds(120)), "the migrated history was not compressed within 120 s");
            Map<String, TimescaleTargets.Chunk> history = old(url, end);
            assertTrue(history.size() >= 32, "chunks older than 7 days: " + history.size());
            history.values().forEach(c -> assertTrue(c.compressed() && !c.partial() && c.batches() > 0, "compressed when the snapshot ended: " + c));
            double ratio = metrics.get("tributary.sink.compression.ratio").tag("table", "experiment_metrics").gauge().value();
            assertTrue(ratio > 1, "the compression ratio is reported: " + ratio);

            long pos = snapshot.size();
            List<SinkEvent> live = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                live.add(event(Op.CREATE, null, row(200_000 + i, end.minus(i * 10L, ChronoUnit.SECONDS), i), ++pos, "false"));
            }
            applier.apply(live.subList(0, 50));
            applier.apply(live.subList(50, 250));
            assertEquals(history, old(url, end), "live rows decompressed nothing: every old chunk keeps its batches, rows and status");
            List<Long> figures = new ArrayList<>(List.of(0L));

            TimescaleTargets.Chunk before = chunkOf(url, end, snapshot.get(1000));
            Map<String, Object> updated = snapshot.get(1000).after();
            Map<String, Object> changed = new HashMap<>(updated);
            changed.put("metric_value", 12345.0);
            applier.apply(List.of(event(Op.UPDATE, updated, changed, ++pos, "false")));
            figures.add(assertOnlyChanged(history, old(url, end), before.name(), null, "a late update of a row in compressed history"));
            history = old(url, end);

            Map<String, Object> moving = snapshot.get(2000).after();
            Instant was = Instant.EPOCH.plus((Long) moving.get("time"), ChronoUnit.MICROS);
            TimescaleTargets.Chunk from = chunkOf(url, end, snapshot.get(2000));
            String to = chunkAt(url, end, was.minus(3, ChronoUnit.DAYS)).name();
            applier.apply(List.of(event(Op.UPDATE, moving, row(2001, was.minus(3, ChronoUnit.DAYS), -1), ++pos, "false")));
            figures.add(assertOnlyChanged(history, old(url, end), from.name(), to, "a row moved in time"));
            history = old(url, end);
            assertEquals(List.of(List.of("-1", was.minus(3, ChronoUnit.DAYS).toString().replace('T', ' ').replace("Z", "+00"))),
                    rows(url, "SELECT metric_value, time FROM experiment_metrics WHERE _tributary_rowid = 2001"), "the moved row, once, at its new time");

            TimescaleTargets.Chunk deleted = chunkOf(url, end, snapshot.get(3000));
            applier.apply(List.of(event(Op.DELETE, snapshot.get(3000).after(), null, ++pos, "false")));
            figures.add(assertOnlyChanged(history, old(url, end), deleted.name(), null, "a delete with its before-image"));
            history = old(url, end);

            Map<String, Object> keyOnly = Map.of("_tributary_rowid", 4001L);
            applier.apply(List.of(event(Op.DELETE, keyOnly, null, ++pos, "false")));
            long decompressed = decompressed(history, old(url, end));
            assertTrue(decompressed > 10, "the control: a delete without the row's time searches every chunk (" + decompressed + " batches)");
            figures.add(decompressed);
            report(figures, history);
            assertEquals(String.valueOf(snapshot.size() + 250 - 2), one(url, "SELECT count(*) FROM experiment_metrics"));
        }
    }

    /** The figures for the closing notes: batches decompressed by each write, and of how many. */
    private static void report(List<Long> figures, Map<String, TimescaleTargets.Chunk> history) {
        LoggerFactory.getLogger(CompressionStaysIT.class).info("compressed batches decompressed: live rows={} late update={} move={} delete={} "
                + "control delete without before-image={} (of {} batches in {} compressed chunks)", figures.get(0), figures.get(1), figures.get(2),
                figures.get(3), figures.get(4), history.values().stream().mapToLong(TimescaleTargets.Chunk::batches).sum(), history.size());
    }

    /** The chunks wholly older than the compression policy's 7 days, by name. */
    private static Map<String, TimescaleTargets.Chunk> old(String url, Instant end) throws Exception {
        Map<String, TimescaleTargets.Chunk> out = new java.util.TreeMap<>();
        for (TimescaleTargets.Chunk c : chunks(url, "experiment_metrics")) {
            if (c.start().isBefore(end.minus(8, ChronoUnit.DAYS))) {
                out.put(c.name(), c);
            }
        }
        return out;
    }

    private static TimescaleTargets.Chunk chunkOf(String url, Instant end, SinkEvent e) throws Exception {
        return chunkAt(url, end, Instant.EPOCH.plus((Long) e.after().get("time"), ChronoUnit.MICROS));
    }

    private static TimescaleTargets.Chunk chunkAt(String url, Instant end, Instant t) throws Exception {
        return old(url, end).values().stream().filter(c -> !c.start().isAfter(t) && c.start().plus(1, ChronoUnit.DAYS).isAfter(t)).findFirst()
                .orElseThrow(() -> new AssertionError("no compressed chunk holds " + t));
    }

    /**
     * Only {@code chunk} lost compressed batches, one at most, and stays compressed; {@code receiving} (a chunk a
     * new row went into, or null) keeps all its batches and may become partially compressed; every other chunk is
     * as it was. Returns the batches decompressed.
     */
    private static long assertOnlyChanged(Map<String, TimescaleTargets.Chunk> was, Map<String, TimescaleTargets.Chunk> now, String chunk, String receiving,
                                          String what) {
        for (Map.Entry<String, TimescaleTargets.Chunk> e : was.entrySet()) {
            TimescaleTargets.Chunk after = now.get(e.getKey());
            if (e.getKey().equals(chunk)) {
                long lost = e.getValue().batches() - after.batches();
                assertTrue(lost >= 0 && lost <= 1, what + ": " + lost + " batches of " + chunk + " decompressed");
                assertTrue(after.compressed(), what + ": " + chunk + " stays compressed (partially): " + after);
            } else if (e.getKey().equals(receiving)) {
                assertEquals(List.of(e.getValue().batches(), e.getValue().compressedRows()), List.of(after.batches(), after.compressedRows()),
                        what + ": the chunk the row went into decompressed nothing (bloom filters tell the new key is not in its batches)");
            } else {
                assertEquals(e.getValue(), after, what + ": other chunks keep every compressed batch");
            }
        }
        return decompressed(was, now);
    }

    private static long decompressed(Map<String, TimescaleTargets.Chunk> was, Map<String, TimescaleTargets.Chunk> now) {
        return was.keySet().stream().mapToLong(k -> was.get(k).batches() - now.get(k).batches()).sum();
    }
}
