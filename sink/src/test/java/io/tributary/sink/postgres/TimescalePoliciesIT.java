package io.tributary.sink.postgres;

import static io.tributary.sink.postgres.TimescaleTargets.one;
import static io.tributary.sink.postgres.TimescaleTargets.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.sink.timescale.HistoryWorker;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With TimescaleDB's background scheduler on, the policies the sink declares run by themselves: nothing in
 * these tests calls {@code run_job}. The compression policy compresses what is older than 2 days, the
 * retention policy drops what is older than 30 days, the refresh policies keep the recent window of the
 * aggregates; and the sink's own history work runs beside them (a refresh meeting a policy's is retried),
 * so that, together, the aggregates hold everything the hypertable holds (there without retention: all
 * 40 days).
 */
class TimescalePoliciesIT {
    static final PipelineConfig.Aggregate HOURLY = new PipelineConfig.Aggregate("metrics_1h", "1 hour", "bucket", null, List.of("experiment_id"),
            List.of("count(*) AS samples", "sum(metric_value) AS total"), false, "2 days", "1 hour", "5 seconds");
    static final PipelineConfig.Aggregate DAILY = new PipelineConfig.Aggregate("metrics_1d", "1 day", "day", "metrics_1h", List.of("experiment_id"),
            List.of("sum(samples) AS samples", "sum(total) AS total"), false, "4 days", "1 day", "5 seconds");

    /**
     * Compression runs every 45 s, its first run 45 s after creation: TimescaleDB 2.28.3's compression and
     * retention policies deadlock when they run at the same moment (the failed one runs again later), and the
     * retention policy's first run comes right after creation.
     */
    private static PipelineConfig.Timescale declared(String retention, List<PipelineConfig.Aggregate> aggregates) {
        return new PipelineConfig.Timescale("time", "1 day", false, List.of("experiment_id"), List.of(), "2 days", "45 seconds", retention, aggregates);
    }

    @Test
    void thePoliciesRunByThemselves() throws Exception {
        String url = TimescaleTargets.scheduledDatabase("ts_policies");
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        try (BatchApplier applier = new BatchApplier(TimescaleTargets.service(url, declared("30 days", List.of(HOURLY))), (t, p, o, k, v, id) -> null)) {
            applier.apply(TimescaleTargets.snapshot(end, 40)); // one batch: the policies' first runs, right after it commits, see every row
        }
        assertTrue(TimescaleTargets.await(Duration.ofSeconds(120), () -> ran(url, 3)),
                () -> "the scheduler did not run the three policies successfully within 120 s: " + stats(url));
        assertTrue(TimescaleTargets.await(Duration.ofSeconds(60), () -> "0".equals(count(url, "SELECT count(*) FROM timescaledb_information.chunks "
                + "WHERE hypertable_name = 'experiment_metrics' AND range_end < now() - interval '2 days' AND NOT is_compressed"))),
                "the compression policy compressed every chunk older than 2 days");
        assertEquals("0", one(url, "SELECT count(*) FROM experiment_metrics WHERE time < now() - interval '31 days'"),
                "the retention policy dropped the chunks older than 30 days");
        String window = "bucket >= now() - interval '47 hours' AND bucket < now() - interval '2 hours'";
        TimescaleTargets.await(Duration.ofSeconds(60), () -> hourly(url, window).get(0).equals(hourly(url, window).get(1)));
        assertEquals(hourly(url, window).get(0), hourly(url, window).get(1), "the refresh policy keeps its window of the hourly aggregate");
    }

    @Test
    void theHistoryWorkRunsBesideThePoliciesAndTogetherTheyHoldEverything() throws Exception {
        String url = TimescaleTargets.scheduledDatabase("ts_policies_history");
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        List<SinkEvent> snapshot = TimescaleTargets.snapshot(end, 40);
        PipelineConfig.Service service = TimescaleTargets.service(url, declared(null, List.of(HOURLY, DAILY))); // retention: the test above
        try (BatchApplier applier = new BatchApplier(service, (t, p, o, k, v, id) -> null);
             HistoryWorker worker = new HistoryWorker(service, AggregateHistoryIT.QUICK, new SimpleMeterRegistry())) {
            new Thread(worker, "history").start();
            for (int i = 0; i < snapshot.size(); i += 1000) {
                applier.apply(snapshot.subList(i, Math.min(snapshot.size(), i + 1000)));
            }
            assertTrue(worker.awaitNothingOwed(Duration.ofSeconds(180)), "the history work did not finish within 180 s");
            assertTrue(TimescaleTargets.await(Duration.ofSeconds(120), () -> ran(url, 3)), () -> "policies: " + stats(url));
            String hours = "bucket < now() - interval '2 hours'"; // up to the policies' end offsets
            TimescaleTargets.await(Duration.ofSeconds(60), () -> hourly(url, hours).get(0).equals(hourly(url, hours).get(1)));
            assertEquals(hourly(url, hours).get(0), hourly(url, hours).get(1), "the hourly aggregate over the whole history");
            assertEquals(rows(url, "SELECT time_bucket('1 day', time), experiment_id, count(*), sum(metric_value)::numeric(20, 6) FROM experiment_metrics "
                            + "WHERE time < time_bucket('1 day', now() - interval '1 day') GROUP BY 1, 2 ORDER BY 1, 2"),
                    rows(url, "SELECT day, experiment_id, samples, total::numeric(20, 6) FROM metrics_1d "
                            + "WHERE day < time_bucket('1 day', now() - interval '1 day') ORDER BY 1, 2"), "the daily aggregate over the whole history");
            assertEquals("0", one(url, "SELECT count(*) FROM timescaledb_information.job_stats WHERE job_id >= 1000 AND total_failures > 0"),
                    "no policy run failed beside the history work: " + stats(url));
        }
    }

    /** Whether {@code jobs} policies have each run successfully, the last time included. */
    private static boolean ran(String url, int jobs) {
        return String.valueOf(jobs).equals(count(url, "SELECT count(*) FROM timescaledb_information.job_stats "
                + "WHERE job_id >= 1000 AND total_successes > 0 AND last_run_status = 'Success'"));
    }

    /** The hourly buckets in {@code window} computed from the hypertable, and as the aggregate holds them. */
    private static List<List<List<String>>> hourly(String url, String window) {
        List<List<String>> expected = safeRows(url, "SELECT * FROM (SELECT time_bucket('1 hour', time) AS bucket, experiment_id, count(*), "
                + "sum(metric_value)::numeric(20, 6) FROM experiment_metrics GROUP BY 1, 2) r WHERE " + window + " ORDER BY 1, 2");
        assertTrue(!expected.isEmpty(), "the window holds data: " + window);
        return List.of(expected, safeRows(url, "SELECT bucket, experiment_id, samples, total::numeric(20, 6) FROM metrics_1h WHERE " + window + " ORDER BY 1, 2"));
    }

    private static String stats(String url) {
        return String.valueOf(safeRows(url, "SELECT j.proc_name, j.hypertable_name, s.total_runs, s.total_successes, s.total_failures, s.last_run_status "
                + "FROM timescaledb_information.jobs j JOIN timescaledb_information.job_stats s USING (job_id) WHERE job_id >= 1000 ORDER BY job_id"));
    }

    private static String count(String url, String sql) {
        return safeRows(url, sql).get(0).get(0);
    }

    private static List<List<String>> safeRows(String url, String sql) {
        try {
            return rows(url, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
