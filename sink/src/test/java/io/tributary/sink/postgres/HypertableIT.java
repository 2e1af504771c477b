package io.tributary.sink.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import io.tributary.testkit.LocalTimescale;
import io.tributary.testkit.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hypertables, continuous aggregates, compression and retention for the ML-experiments workload's
 * experiment_metrics, on a real PostgreSQL with TimescaleDB when this machine has one (skipped with the
 * reason otherwise), and the missing-extension behaviour on the plain PostgreSQL every machine has. Policies run by hand with
 * {@code CALL run_job(id)}, on the server whose scheduler is off, so that each runs at the moment the test needs
 * ({@link TimescalePoliciesIT} has them run by themselves).
 */
class HypertableIT {
    static final PipelineConfig.Timescale EXPERIMENT_METRICS = new PipelineConfig.Timescale("time", "1 day", false, List.of("experiment_id"),
            "7 days", "7 years", List.of(
            new PipelineConfig.Aggregate("metrics_5m", "5 minutes", List.of("experiment_id", "metric_name"),
                    List.of("avg(metric_value) AS avg_value", "count(*) AS samples"), "30 days", "1 minute", "5 minutes"),
            new PipelineConfig.Aggregate("metrics_1h", "1 hour", List.of("experiment_id", "metric_name"),
                    List.of("avg(metric_value) AS avg_value", "max(metric_value) AS max_value"), "30 days", "1 hour", "1 hour"),
            new PipelineConfig.Aggregate("metrics_1d", "1 day", List.of("experiment_id"),
                    List.of("first(metric_value, time) AS first_value", "last(metric_value, time) AS last_value"), "90 days", "1 day", "1 day")));

    private static PipelineConfig.Service service(String url, PipelineConfig.Timescale ts) {
        return new PipelineConfig.Service("svc", "g", new PipelineConfig.Database(url, "postgres", Secret.NONE),
                List.of(SinkBench.METRICS.table()), Map.of("experiment_metrics", new PipelineConfig.TableOptions(false, null, ts)), Duration.ofMinutes(10));
    }

    private static SinkEvent metric(long rowid, Instant time, double value, long pos) {
        Map<String, Object> row = new HashMap<>();
        row.put(TableSchema.ROWID_COLUMN, rowid);
        row.put("time", ChronoUnit.MICROS.between(Instant.EPOCH, time));
        row.put("experiment_id", rowid % 3);
        row.put("metric_name", "loss");
        row.put("metric_value", value);
        row.put("step", rowid);
        row.put("epoch", 1L);
        return new SinkEvent(new ChangeEvent(SinkBench.METRICS, Op.READ, null, row, Position.of(1, 0, 0, pos), 0L, "true", "t", "t", null, null),
                "t", 0, pos, null, null, null);
    }

    private static List<String> column(String url, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static void runJobs(String url, String procName) throws Exception {
        for (String id : column(url, "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = '" + procName + "' ORDER BY job_id")) {
            try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
                c.setAutoCommit(true);
                s.execute("CALL run_job(" + id + ")");
            }
        }
    }

    @Test
    void aHypertableWithAggregatesCompressionAndRetentionBehaves() throws Exception {
        String base = TestServers.timescaleUrl().orElse(null);
        assumeTrue(base != null, () -> "skipped: " + LocalTimescale.unavailableReason());
        String url = TestServers.newDatabase(base, "ts_experiment_metrics");
        Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS);
        List<SinkEvent> rows = new ArrayList<>();
        for (long i = 1; i <= 600; i++) {
            rows.add(metric(i, now.minus(i, ChronoUnit.HOURS), i * 0.5, i)); // 25 days of hourly metrics
        }
        rows.add(metric(10_000, now.minus(8 * 365, ChronoUnit.DAYS), 1.0, 10_000)); // older than the 7-year retention
        try (BatchApplier applier = new BatchApplier(service(url, EXPERIMENT_METRICS), (t, p, o, k, v, id) -> null)) {
            applier.apply(rows);

            assertEquals(List.of("experiment_metrics"), column(url, "SELECT hypertable_name FROM timescaledb_information.hypertables"));
            assertEquals(List.of("1 day"), column(url, "SELECT time_interval::text FROM timescaledb_information.dimensions WHERE hypertable_name = 'experiment_metrics'"));
            assertEquals(List.of(TableSchema.ROWID_COLUMN, "time"), column(url, "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                    + "AND a.attnum = ANY (i.indkey) WHERE i.indrelid = 'experiment_metrics'::regclass AND i.indisprimary ORDER BY a.attname"));
            assertEquals(List.of("metrics_1d", "metrics_1h", "metrics_5m"), column(url, "SELECT view_name FROM timescaledb_information.continuous_aggregates ORDER BY 1"));
            assertEquals(List.of("experiment_id"), column(url, "SELECT attname FROM timescaledb_information.compression_settings WHERE hypertable_name = 'experiment_metrics' AND segmentby_column_index IS NOT NULL"));
            assertEquals(List.of("policy_compression", "policy_refresh_continuous_aggregate", "policy_refresh_continuous_aggregate",
                    "policy_refresh_continuous_aggregate", "policy_retention"), column(url, "SELECT proc_name FROM timescaledb_information.jobs "
                    + "WHERE job_id >= 1000 ORDER BY proc_name"));

            runJobs(url, "policy_retention");
            assertEquals(List.of("600"), column(url, "SELECT count(*) FROM experiment_metrics"), "the 8-year-old row's chunk was dropped");

            runJobs(url, "policy_compression");
            int compressed = Integer.parseInt(column(url, "SELECT count(*) FROM timescaledb_information.chunks WHERE is_compressed").get(0));
            assertTrue(compressed > 0, "chunks older than 7 days are compressed");

            // guarded upsert into a compressed chunk: newer applies, older is refused
            Instant old = now.minus(400, ChronoUnit.HOURS);
            applier.apply(List.of(metric(400, old, 999.0, 5_000)));
            applier.apply(List.of(metric(400, old, -1.0, 4_000)));
            assertEquals(List.of("999"), column(url, "SELECT metric_value FROM experiment_metrics WHERE " + TableSchema.ROWID_COLUMN + " = 400"));
            assertEquals(List.of("1"), column(url, "SELECT count(*) FROM experiment_metrics WHERE " + TableSchema.ROWID_COLUMN + " = 400"));

            runJobs(url, "policy_refresh_continuous_aggregate");
            List<String> hourly = column(url, "SELECT avg_value FROM metrics_1h WHERE bucket = '" + old + "'::timestamptz");
            assertEquals(List.of("999"), hourly, "the hourly rollup sees the upserted value");
            assertTrue(Integer.parseInt(column(url, "SELECT count(*) FROM metrics_5m").get(0)) > 0);
        }
    }

    @Test
    void aMissingExtensionIsAClearErrorUnlessTheTableIsOptional() throws Exception {
        String plain = TestServers.newDatabase("ts_missing");
        try (BatchApplier applier = new BatchApplier(service(plain, EXPERIMENT_METRICS), (t, p, o, k, v, id) -> null)) {
            TargetSchemaException e = assertThrows(TargetSchemaException.class,
                    () -> applier.apply(List.of(metric(1, Instant.now(), 1.0, 1))));
            assertTrue(e.getMessage().contains("cannot load the timescaledb extension"), e.getMessage());
        }
        var optional = new PipelineConfig.Timescale("time", "1 day", true, List.of(), null, null, List.of());
        try (BatchApplier applier = new BatchApplier(service(plain, optional), (t, p, o, k, v, id) -> null)) {
            applier.apply(List.of(metric(1, Instant.now(), 1.0, 1)));
        }
        assertEquals(List.of("1"), column(plain, "SELECT count(*) FROM experiment_metrics"), "an optional hypertable falls back to a plain table");
    }
}
