package io.tributary.sink.timescale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
    /** Lengths in hours, as the database would measure what these tests declare and store. */
    private static final Map<String, String> LENGTHS = Map.ofEntries(Map.entry("1 day", "24"), Map.entry("2 days", "48"), Map.entry("3 days", "72"),
            Map.entry("7 days", "168"), Map.entry("7 years", "60480"), Map.entry("1 hour", "1"), Map.entry("01:00:00", "1"), Map.entry("12:00:00", "12"),
            Map.entry("30 minutes", "0.5"), Map.entry("1 month", "720"), Map.entry("30 days", "720"));
    private static final UnaryOperator<String> CANONICAL = i -> {
        String length = LENGTHS.get(i);
        if (length == null) {
            throw new IllegalArgumentException("no length for " + i);
        }
        return length;
    };
    private static final PipelineConfig.Aggregate HOURLY = new PipelineConfig.Aggregate("m_1h", "1 hour", "bucket", null, List.of("e"),
            List.of("count(*) AS n"), false, "1 day", "1 hour", "1 hour");
    private static final PipelineConfig.Timescale DECLARED = new PipelineConfig.Timescale("time", "1 day", false, List.of("e"), List.of(),
            "7 days", "7 years", List.of(HOURLY));

    /** The database as {@link #DECLARED} leaves it. */
    private static HypertableState same() {
        return new HypertableState("time", "1 day", List.of(), true, List.of("e"), List.of("\"time\" DESC"), "7 days", "12:00:00", "7 years",
                Map.of("m_1h", new HypertableState.AggregateState("m_1h", "t", "SELECT q", true, true, "1 day", "01:00:00", "01:00:00")), List.of());
    }

    @Test
    void aDatabaseThatHasTheDeclarationNeedsNothing() {
        Reconciler.Plan plan = Reconciler.plan("t", DECLARED, same(), CANONICAL, Map.of("m_1h", "SELECT q"));
        assertEquals(List.of(), plan.steps());
        assertEquals(List.of(), plan.refusals());
        assertFalse(plan.compressHistory());
    }

    @Test
    void intervalsCompareByLengthAsTimescaleKeepsThem() {
        PipelineConfig.Timescale monthly = new PipelineConfig.Timescale("time", "1 month", false, List.of("e"), List.of(), "7 days", "7 years", List.of(HOURLY));
        HypertableState have = new HypertableState("time", "30 days", List.of(), true, List.of("e"), List.of(), "7 days", "12:00:00", "7 years",
                same().aggregates(), List.of());
        assertEquals(List.of(), Reconciler.plan("t", monthly, have, CANONICAL, Map.of("m_1h", "SELECT q")).steps(),
                "a chunk interval of 1 month is kept as 30 days: no change");
    }

    @Test
    void whatTimescaleCanChangeBecomesSteps() {
        PipelineConfig.Timescale want = new PipelineConfig.Timescale("time", "2 days", false, List.of("e", "f"), List.of("time DESC"), "3 days", null, null,
                List.of(new PipelineConfig.Aggregate("m_1h", "1 hour", "bucket", null, List.of("e"), List.of("count(*) AS n"), true, "2 days", "1 hour",
                        "30 minutes"), new PipelineConfig.Aggregate("m_1d", "1 day", "day", "m_1h", List.of("e"), List.of("sum(n) AS n"), false, "3 days",
                        "1 day", "1 day")));
        Reconciler.Plan plan = Reconciler.plan("t", want, same(), CANONICAL, Map.of("m_1h", "SELECT q"));
        assertEquals(List.of(), plan.refusals());
        List<String> sql = plan.steps().stream().map(Reconciler.Step::sql).toList();
        assertEquals(List.of(
                "SELECT set_chunk_time_interval('\"t\"', INTERVAL '2 days')",
                "ALTER TABLE \"t\" SET (timescaledb.compress, timescaledb.compress_segmentby = '\"e\",\"f\"', timescaledb.compress_orderby = '\"time\" DESC')",
                "SELECT remove_compression_policy('\"t\"', if_exists => true)",
                "SELECT add_compression_policy('\"t\"', compress_after => INTERVAL '3 days')",
                "SELECT alter_job(job_id, next_start => now() + schedule_interval) FROM timescaledb_information.jobs "
                        + "WHERE proc_name = 'policy_compression' AND hypertable_schema = current_schema() AND hypertable_name = 't'",
                "SELECT remove_retention_policy('\"t\"', if_exists => true)",
                "ALTER MATERIALIZED VIEW \"m_1h\" SET (timescaledb.materialized_only = false)",
                "SELECT remove_continuous_aggregate_policy('\"m_1h\"', if_exists => true)",
                "SELECT add_continuous_aggregate_policy('\"m_1h\"', start_offset => INTERVAL '2 days', end_offset => INTERVAL '1 hour', "
                        + "schedule_interval => INTERVAL '30 minutes')",
                "CREATE MATERIALIZED VIEW \"m_1d\" WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS SELECT time_bucket(INTERVAL "
                        + "'1 day', \"bucket\") AS \"day\", \"e\", sum(n) AS n FROM \"m_1h\" GROUP BY \"day\", \"e\" WITH NO DATA",
                "SELECT add_continuous_aggregate_policy('\"m_1d\"', start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 day', "
                        + "schedule_interval => INTERVAL '1 day')"), sql);
        assertEquals(List.of("m_1d"), plan.newAggregates());
        assertTrue(plan.compressHistory(), "a compression policy added owes the history a compression");
    }

    @Test
    void whatTimescaleCannotChangeIsRefusedWithTheWayToDoIt() {
        HypertableState have = new HypertableState("ts", "1 day", List.of("device_id"), true, List.of("e"), List.of(), "7 days", null, "7 years",
                Map.of("m_1h", new HypertableState.AggregateState("m_1h", "t", "SELECT other", true, true, "1 day", "01:00:00", "01:00:00")),
                List.of());
        Reconciler.Plan plan = Reconciler.plan("t", DECLARED, have, CANONICAL, Map.of("m_1h", "SELECT q"));
        assertEquals(List.of("time-column", "time-column", "aggregates[0]"), plan.refusals().stream().map(Refusal::key).toList());
        assertTrue(plan.refusals().get(0).hint().contains("ALTER TABLE t RENAME TO t_old"), plan.refusals().get(0).hint());
        assertTrue(plan.refusals().get(1).message().contains("[device_id]"), plan.refusals().get(1).message());
        assertTrue(plan.refusals().get(2).message().contains("the database has: SELECT other declared: SELECT q"), plan.refusals().get(2).message());
        assertTrue(plan.refusals().get(2).hint().contains("DROP MATERIALIZED VIEW m_1h"), plan.refusals().get(2).hint());
    }

    @Test
    void aDeclaredAggregateNameTakenByAnotherRelationIsRefused() {
        HypertableState have = new HypertableState("time", "1 day", List.of(), true, List.of("e"), List.of(), "7 days", null, "7 years", Map.of(),
                List.of("m_1h"));
        Reconciler.Plan plan = Reconciler.plan("t", DECLARED, have, CANONICAL, Map.of());
        assertEquals(List.of("aggregates[0].name"), plan.refusals().stream().map(Refusal::key).toList());
        assertTrue(plan.steps().stream().noneMatch(s -> s.sql().startsWith("CREATE MATERIALIZED VIEW")), "no view created over the other relation");
    }

    @Test
    void compressionOrderIsComparedAsTimescalePrintsIt() {
        assertEquals(List.of("time desc", "symbol", "x desc nulls last"),
                Reconciler.normalOrder(List.of("\"time\" DESC", "symbol ASC", "x DESC NULLS LAST")));
        assertEquals(Reconciler.normalOrder(List.of("time DESC NULLS FIRST")), Reconciler.normalOrder(List.of("\"time\" DESC")));
    }

    @Test
    void noDeclaredCompressionRemovesThePolicyButKeepsTheSettings() {
        PipelineConfig.Timescale want = new PipelineConfig.Timescale("time", "1 day", false, List.of(), null, "7 years", List.of(HOURLY));
        List<String> sql = Reconciler.plan("t", want, same(), CANONICAL, Map.of("m_1h", "SELECT q")).steps().stream().map(Reconciler.Step::sql).toList();
        assertEquals(List.of("SELECT remove_compression_policy('\"t\"', if_exists => true)"), sql);
    }
}
