package io.tributary.sink.postgres;

import static io.tributary.sink.postgres.TimescaleTargets.event;
import static io.tributary.sink.postgres.TimescaleTargets.one;
import static io.tributary.sink.postgres.TimescaleTargets.row;
import static io.tributary.sink.postgres.TimescaleTargets.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.Op;
import io.tributary.sink.timescale.HistoryWorker;
import io.tributary.sink.timescale.Hypertables;
import io.tributary.sink.timescale.Refusal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A changed declaration of an existing hypertable is applied at start where TimescaleDB can change it in
 * place (chunk interval and compression settings for new chunks, policies, refresh windows, real-time
 * aggregation, a new aggregate, which then gets its whole history), and refused, changing nothing, where it
 * cannot (another time column, another aggregate query), with the way to proceed.
 */
class TimescaleDeclarationIT {
    private static final PipelineConfig.Aggregate HOURLY = new PipelineConfig.Aggregate("metrics_1h", "1 hour", "bucket", null, List.of("experiment_id"),
            List.of("avg(metric_value) AS avg_value", "count(*) AS samples"), false, "1 day", "1 hour", "1 hour");
    static final PipelineConfig.Timescale FIRST = new PipelineConfig.Timescale("time", "1 day", false, List.of("experiment_id"), List.of(),
            "7 days", "7 years", List.of(HOURLY));
    static final PipelineConfig.Timescale CHANGED = new PipelineConfig.Timescale("time", "2 days", false, List.of("experiment_id", "metric_name"),
            List.of("time DESC"), "3 days", null, List.of(
            new PipelineConfig.Aggregate("metrics_1h", "1 hour", "bucket", null, List.of("experiment_id"), HOURLY.columns(), true, "2 days", "1 hour", "30 minutes"),
            new PipelineConfig.Aggregate("metrics_1d", "1 day", "day", "metrics_1h", List.of("experiment_id"), List.of("sum(samples) AS samples"), false,
                    "3 days", "1 day", "1 day")));
    static final PipelineConfig.Timescale IMPOSSIBLE = new PipelineConfig.Timescale("step", "4 days", false, List.of("experiment_id"), List.of(),
            "7 days", "7 years", List.of(new PipelineConfig.Aggregate("metrics_1h", "1 hour", "bucket", null, List.of("experiment_id"),
            List.of("max(metric_value) AS avg_value", "count(*) AS samples"), false, "1 day", "1 hour", "1 hour")));

    private static String loaded(String name) throws Exception {
        String url = TimescaleTargets.database(name);
        try (BatchApplier applier = new BatchApplier(TimescaleTargets.service(url, FIRST), (t, p, o, k, v, id) -> null)) {
            applier.apply(TimescaleTargets.snapshot(Instant.now().truncatedTo(ChronoUnit.DAYS).minus(2, ChronoUnit.DAYS), 10));
        }
        return url;
    }

    @Test
    void whatTimescaleCanChangeInPlaceIsAppliedAtStart() throws Exception {
        String url = loaded("ts_declaration_changed");
        PipelineConfig.Service service = TimescaleTargets.service(url, CHANGED);
        try (BatchApplier applier = new BatchApplier(service, (t, p, o, k, v, id) -> null);
             HistoryWorker worker = new HistoryWorker(service, AggregateHistoryIT.QUICK, new SimpleMeterRegistry())) {
            applier.reconcileDeclared();
            assertEquals("2 days", one(url, "SELECT time_interval::text FROM timescaledb_information.dimensions WHERE hypertable_name = 'experiment_metrics'"));
            assertEquals(List.of(List.of("experiment_id,metric_name", "\"time\" DESC")), rows(url, "SELECT segmentby, orderby "
                    + "FROM timescaledb_information.hypertable_compression_settings WHERE hypertable = 'experiment_metrics'::regclass"));
            assertEquals(List.of(List.of("policy_compression", "3 days", "experiment_metrics"),
                            List.of("policy_refresh_continuous_aggregate", "3 days", "metrics_1d"),
                            List.of("policy_refresh_continuous_aggregate", "2 days", "metrics_1h")), jobs(url),
                    "compression after 3 days, no retention, the hourly window 2 days, the new daily aggregate's policy");
            assertEquals(List.of(List.of("metrics_1d", "t"), List.of("metrics_1h", "f")),
                    rows(url, "SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates ORDER BY 1"), "metrics_1h is real-time now");
            assertEquals("00:30:00", one(url, "SELECT schedule_interval::text FROM timescaledb_information.jobs WHERE hypertable_name = 'metrics_1h'"));
            assertEquals("t", one(url, "SELECT next_start >= now() + schedule_interval - interval '1 minute' FROM timescaledb_information.jobs "
                    + "WHERE proc_name = 'policy_compression'"), "the compression policy's first run is one interval away, not at once");

            new Thread(worker, "history").start();
            assertTrue(worker.awaitNothingOwed(Duration.ofSeconds(120)), "the new aggregate's history was not refreshed within 120 s");
            assertEquals(rows(url, "SELECT time_bucket('1 day', time), experiment_id, count(*) FROM experiment_metrics GROUP BY 1, 2 ORDER BY 1, 2"),
                    rows(url, "SELECT day, experiment_id, samples FROM metrics_1d ORDER BY 1, 2"), "the new aggregate holds the whole history");

            List<List<String>> jobs = rows(url, "SELECT job_id FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY 1");
            applier.reconcileDeclared();
            assertEquals(jobs, rows(url, "SELECT job_id FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY 1"),
                    "a declaration the database already has changes nothing");

            applier.apply(List.of(event(Op.CREATE, null, row(90_000, Instant.now().minus(10, ChronoUnit.MINUTES), 5), 90_000, "false")));
            assertEquals("1", one(url, "SELECT sum(samples) FROM metrics_1h WHERE bucket >= now() - interval '2 hours'"),
                    "real-time: a row no refresh has materialised yet is in the aggregate");
        }
    }

    private static List<List<String>> jobs(String url) throws Exception {
        return rows(url, "SELECT proc_name, COALESCE(config->>'compress_after', config->>'start_offset')::interval::text, hypertable_name "
                + "FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY 1, 3");
    }

    @Test
    void whatTimescaleCannotChangeIsRefusedWithTheWayToDoItAndNothingChanges() throws Exception {
        String url = loaded("ts_declaration_refused");
        try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
            c.setAutoCommit(false);
            List<Refusal> refused = Hypertables.refusals(c, "experiment_metrics", IMPOSSIBLE);
            c.rollback();
            assertEquals(List.of("time-column", "aggregates[0]"), refused.stream().map(Refusal::key).toList(), "what the sink's preflight reports, by key");
            assertTrue(refused.get(0).hint().contains("RENAME TO experiment_metrics_old"), refused.get(0).hint());
            assertTrue(refused.get(1).hint().contains("DROP MATERIALIZED VIEW metrics_1h"), refused.get(1).hint());
        }
        try (BatchApplier applier = new BatchApplier(TimescaleTargets.service(url, IMPOSSIBLE), (t, p, o, k, v, id) -> null)) {
            TargetSchemaException e = assertThrows(TargetSchemaException.class, applier::reconcileDeclared);
            assertTrue(e.getMessage().contains("time-column: table experiment_metrics is a hypertable partitioned by time, not by the declared step"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("aggregates[0]: aggregate metrics_1h exists with another query than declared"), e.getMessage());
        }
        assertEquals("1 day", one(url, "SELECT time_interval::text FROM timescaledb_information.dimensions WHERE hypertable_name = 'experiment_metrics'"),
                "a refused declaration changes nothing, not even what could have changed");
    }
}
