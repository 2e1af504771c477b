package io.tributary.sink.postgres;

import static io.tributary.sink.postgres.TimescaleTargets.event;
import static io.tributary.sink.postgres.TimescaleTargets.one;
import static io.tributary.sink.postgres.TimescaleTargets.row;
import static io.tributary.sink.postgres.TimescaleTargets.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.event.Op;
import io.tributary.sink.timescale.HistoryWorker;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The aggregates of a hypertable hold its whole history: after a snapshot of 40 days and after late rows
 * (new rows, a row moved in time, an update, a delete, all older than every refresh policy's window), each
 * declared aggregate, hierarchical ones included, equals the same aggregate computed from the hypertable
 * over every bucket. The scheduler is off, so nothing but the sink's history work refreshes them. And that
 * work never holds up the apply path.
 */
class AggregateHistoryIT {
    /** The ML-experiments workload's rollups: 5 minutes on the hypertable, hourly on those, daily on the hourly ones. */
    static final PipelineConfig.Timescale DECLARED = new PipelineConfig.Timescale("time", "2 days", false, List.of("experiment_id"), List.of(),
            "7 days", null, List.of(
            new PipelineConfig.Aggregate("metrics_5m", "5 minutes", "bucket_5m", null, List.of("experiment_id", "metric_name"),
                    List.of("avg(metric_value) AS avg_value", "min(metric_value) AS min_value", "max(metric_value) AS max_value",
                            "count(*) AS samples", "sum(metric_value) AS sum_value"), false, "1 day", "5 minutes", "5 minutes"),
            new PipelineConfig.Aggregate("metrics_1h", "1 hour", "bucket_1h", "metrics_5m", List.of("experiment_id", "metric_name"),
                    List.of("sum(sum_value) / sum(samples) AS avg_value", "min(min_value) AS min_value", "max(max_value) AS max_value",
                            "sum(samples) AS samples", "sum(sum_value) AS sum_value"), false, "2 days", "1 hour", "1 hour"),
            new PipelineConfig.Aggregate("metrics_1d", "1 day", "date", "metrics_1h", List.of("experiment_id"),
                    List.of("sum(sum_value) / sum(samples) AS avg_value", "min(min_value) AS min_value", "max(max_value) AS max_value",
                            "sum(samples) AS samples"), false, "3 days", "1 day", "1 day")));
    static final HistoryWorker.Timing QUICK = new HistoryWorker.Timing(Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofMillis(100));

    /** Data ends at a day boundary two days ago, so every bucket holding data is older than every policy's end offset. */
    private static Instant end() {
        return Instant.now().truncatedTo(ChronoUnit.DAYS).minus(2, ChronoUnit.DAYS);
    }

    @Test
    void aggregatesEqualTheHypertableOverTheWholeHistoryAfterASnapshotAndAfterLateRows() throws Exception {
        String url = TimescaleTargets.database("ts_history");
        Instant end = end();
        List<SinkEvent> snapshot = TimescaleTargets.snapshot(end, 40);
        PipelineConfig.Service service = TimescaleTargets.service(url, DECLARED);
        try (BatchApplier applier = new BatchApplier(service, (t, p, o, k, v, id) -> null);
             HistoryWorker worker = new HistoryWorker(service, QUICK, new SimpleMeterRegistry())) {
            new Thread(worker, "history").start();
            for (int i = 0; i < snapshot.size(); i += 1000) {
                applier.apply(snapshot.subList(i, Math.min(snapshot.size(), i + 1000)));
            }
            assertTrue(worker.awaitNothingOwed(Duration.ofSeconds(120)), "the history work did not finish within 120 s");
            assertAggregatesMatch(url, Instant.MAX, 40 * 2 - 2);

            long pos = snapshot.size();
            List<SinkEvent> late = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                late.add(event(Op.CREATE, null, row(100_000 + i, end.minus(30, ChronoUnit.DAYS).plus(i * 7L, ChronoUnit.MINUTES), 1000 + i), ++pos, "false"));
            }
            Map<String, Object> moved = (Map<String, Object>) snapshot.get(999).after();
            late.add(event(Op.UPDATE, moved, row(1000, Instant.EPOCH.plus((Long) moved.get("time"), ChronoUnit.MICROS).minus(5, ChronoUnit.DAYS), -500),
                    ++pos, "false"));
            Map<String, Object> updated = snapshot.get(2999).after();
            late.add(event(Op.UPDATE, updated, row(3000, Instant.EPOCH.plus((Long) updated.get("time"), ChronoUnit.MICROS), 777), ++pos, "false"));
            late.add(event(Op.DELETE, snapshot.get(1999).after(), null, ++pos, "false"));
            applier.apply(late);
            assertTrue(worker.awaitNothingOwed(Duration.ofSeconds(120)), "the history work for the late rows did not finish within 120 s");

            assertEquals(String.valueOf(snapshot.size() + 20 - 1), one(url, "SELECT count(*) FROM experiment_metrics"));
            assertEquals(List.of(List.of("-500")), rows(url, "SELECT metric_value FROM experiment_metrics WHERE _tributary_rowid = 1000"),
                    "the moved row exists once, at its new time");
            assertAggregatesMatch(url, Instant.MAX, 40 * 2 - 2);
        }
    }

    @Test
    void aNewGenerationsSnapshotReplacesTheAggregatesHistoryWhenItsMarkerArrives() throws Exception {
        String url = TimescaleTargets.database("ts_history_generation");
        Instant end = end();
        PipelineConfig.Service service = TimescaleTargets.service(url, DECLARED);
        try (BatchApplier applier = new BatchApplier(service, (t, p, o, k, v, id) -> null);
             HistoryWorker worker = new HistoryWorker(service, QUICK, new SimpleMeterRegistry())) {
            new Thread(worker, "history").start();
            applier.apply(TimescaleTargets.snapshot(end, 12));
            assertTrue(worker.awaitNothingOwed(Duration.ofSeconds(120)), "the first generation's history work did not finish");
            List<SinkEvent> second = new ArrayList<>();
            for (int i = 0; i < 10 * 144; i++) { // ten days now, other values, no event marked last: the marker ends it
                second.add(event(2, Op.READ, null, row(i + 1, end.minus((10 * 144 - i) * 10L, ChronoUnit.MINUTES), i * 0.25), i + 1, "true"));
            }
            applier.apply(second.subList(0, 700));
            applier.apply(second.subList(700, second.size()), List.of(new GenerationMarker("experiments", "experiment_metrics", 2)));
            assertTrue(worker.awaitNothingOwed(Duration.ofSeconds(120)), "the new generation's history work did not finish within 120 s");
            assertEquals(String.valueOf(second.size()), one(url, "SELECT count(*) FROM experiment_metrics"), "only the new generation's rows");
            assertAggregatesMatch(url, Instant.MAX, 10 * 2 - 2);
            assertEquals("0", one(url, "SELECT count(*) FROM metrics_1d WHERE date < '" + end.minus(10, ChronoUnit.DAYS) + "'"),
                    "the days only the old generation had are gone from the aggregates too");
        }
    }

    @Test
    void aMarkerWaitingForItsSnapshotRowsOwesNoCompressionUntilTheyArrive() throws Exception {
        String url = TimescaleTargets.database("ts_history_waiting_marker");
        Instant end = end();
        PipelineConfig.Service service = TimescaleTargets.service(url, DECLARED);
        try (BatchApplier applier = new BatchApplier(service, (t, p, o, k, v, id) -> null)) {
            applier.apply(TimescaleTargets.snapshot(end, 12));
            try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
                s.execute("DELETE FROM " + io.tributary.common.sql.Bookkeeping.HISTORY); // the first generation's work, done
            }
            List<SinkEvent> second = new ArrayList<>();
            for (int i = 0; i < 10 * 144; i++) { // no event marked last: the marker says where the snapshot ends
                second.add(event(2, Op.READ, null, row(i + 1, end.minus((10 * 144 - i) * 10L, ChronoUnit.MINUTES), i * 0.25), i + 1, "true"));
            }
            GenerationMarker marker = new GenerationMarker("experiments", "experiment_metrics", 2, second.get(second.size() - 1).position());
            applier.apply(second.subList(0, 700), List.of(marker));
            assertEquals(List.of(), rows(url, "SELECT table_name FROM " + io.tributary.common.sql.Bookkeeping.HISTORY + " WHERE compress_due"),
                    "a marker still waiting for its snapshot's last row ends no snapshot: no compression is owed yet");
            applier.apply(second.subList(700, second.size()));
            assertEquals(List.of(List.of("experiment_metrics")),
                    rows(url, "SELECT table_name FROM " + io.tributary.common.sql.Bookkeeping.HISTORY + " WHERE compress_due"),
                    "once the snapshot's last row is read the generation applies and its history is owed compression");
            assertEquals(String.valueOf(second.size()), one(url, "SELECT count(*) FROM experiment_metrics"), "only the new generation's rows");
        }
    }

    @Test
    void theApplyPathDoesNotWaitForARefreshInProgress() throws Exception {
        String url = TimescaleTargets.database("ts_history_busy");
        Instant end = end();
        List<SinkEvent> snapshot = TimescaleTargets.snapshot(end, 10);
        PipelineConfig.Service service = TimescaleTargets.service(url, DECLARED);
        try (BatchApplier applier = new BatchApplier(service, (t, p, o, k, v, id) -> null);
             HistoryWorker worker = new HistoryWorker(service, QUICK, new SimpleMeterRegistry());
             Connection holder = DriverManager.getConnection(url, "postgres", "")) {
            applier.apply(snapshot);
            assertEquals("0", one(url, "SELECT count(*) FROM metrics_5m"), "the control: before the history work the aggregate holds none of the history");
            String materialized = one(url, "SELECT materialization_hypertable_schema || '.' || materialization_hypertable_name "
                    + "FROM timescaledb_information.continuous_aggregates WHERE view_name = 'metrics_5m'");
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.execute("LOCK TABLE " + materialized + " IN ACCESS EXCLUSIVE MODE"); // the refresh will wait inside its materialisation
            }
            new Thread(worker, "history").start();
            assertTrue(TimescaleTargets.await(Duration.ofSeconds(60), () -> waiting(url)), "the refresh never reached the held lock");

            List<SinkEvent> more = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                Instant t = i % 2 == 0 ? Instant.now().minus(i, ChronoUnit.MINUTES) : end.minus(5, ChronoUnit.DAYS).plus(i, ChronoUnit.MINUTES);
                more.add(event(Op.CREATE, null, row(50_000 + i, t, i), snapshot.size() + i + 1, "false"));
            }
            CompletableFuture<BatchApplier.Outcome> applied = CompletableFuture.supplyAsync(() -> {
                try {
                    return applier.apply(more);
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(100, applied.get(30, TimeUnit.SECONDS).applied(), "live and late rows applied while the refresh waits");
            holder.rollback();
            assertTrue(worker.awaitNothingOwed(Duration.ofSeconds(120)), "the history work did not finish after the lock was released");
            assertAggregatesMatch(url, end, 10 * 2 - 2); // the live rows are the refresh policies' (the scheduler is off here)
        }
    }

    /** Whether the history connection is waiting for a lock (inside a refresh). */
    private static boolean waiting(String url) {
        try {
            return !rows(url, "SELECT 1 FROM pg_stat_activity WHERE application_name = 'tributary-sink-history' AND wait_event_type = 'Lock'").isEmpty();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every bucket before {@code before} of each aggregate equals the aggregate computed from the hypertable's
     * rows; at least {@code days} daily buckets.
     */
    static void assertAggregatesMatch(String url, Instant before, int days) throws Exception {
        String until = before.equals(Instant.MAX) ? "'infinity'" : "'" + before + "'";
        String fiveMinutes = "time_bucket('5 minutes', time), experiment_id, metric_name";
        assertEquals(rows(url, "SELECT " + fiveMinutes + ", round(avg(metric_value)::numeric, 4), min(metric_value), max(metric_value), count(*) "
                        + "FROM experiment_metrics WHERE time < " + until + " GROUP BY " + fiveMinutes + " ORDER BY 1, 2, 3"),
                rows(url, "SELECT bucket_5m, experiment_id, metric_name, round(avg_value::numeric, 4), min_value, max_value, samples "
                        + "FROM metrics_5m WHERE bucket_5m < " + until + " ORDER BY 1, 2, 3"), "metrics_5m");
        String hours = "time_bucket('1 hour', time), experiment_id, metric_name";
        assertEquals(rows(url, "SELECT " + hours + ", round(avg(metric_value)::numeric, 4), min(metric_value), max(metric_value), count(*) "
                        + "FROM experiment_metrics WHERE time < " + until + " GROUP BY " + hours + " ORDER BY 1, 2, 3"),
                rows(url, "SELECT bucket_1h, experiment_id, metric_name, round(avg_value::numeric, 4), min_value, max_value, samples "
                        + "FROM metrics_1h WHERE bucket_1h < " + until + " ORDER BY 1, 2, 3"), "metrics_1h, built on metrics_5m");
        String daily = "time_bucket('1 day', time), experiment_id";
        List<List<String>> expected = rows(url, "SELECT " + daily + ", round(avg(metric_value)::numeric, 4), min(metric_value), max(metric_value), "
                + "count(*) FROM experiment_metrics WHERE time < " + until + " GROUP BY " + daily + " ORDER BY 1, 2");
        assertEquals(expected, rows(url, "SELECT date, experiment_id, round(avg_value::numeric, 4), min_value, max_value, samples "
                + "FROM metrics_1d WHERE date < " + until + " ORDER BY 1, 2"), "metrics_1d, built on metrics_1h");
        assertTrue(expected.size() >= days, "the whole history is compared: " + expected.size() + " daily buckets");
    }
}
