package io.tributary.sink.timescale;

import io.tributary.common.config.PipelineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Compares a table's TimescaleDB declaration with what the database has ({@link HypertableState}) and
 * decides, without touching the database: the statements that bring the database to the declaration
 * where TimescaleDB can change it in place (chunk interval and compression settings for new chunks,
 * policies, refresh windows, real-time aggregation), and a refusal, saying how to proceed, for what it
 * cannot (another time column, extra partitioning, another aggregate query). Nothing is dropped: an
 * undeclared aggregate stays, a compression setting stays when its policy is removed.
 */
final class Reconciler {

    /** One statement with what it changes, for the log. */
    record Step(String change, String sql) {
    }

    /**
     * @param newAggregates   aggregates the steps create: they hold no history yet and need a full refresh
     * @param compressHistory the steps add a compression policy whose first run is an interval away: history
     *                        it would compress is the sink's to compress now
     */
    record Plan(List<Step> steps, List<Refusal> refusals, List<String> newAggregates, boolean compressHistory) {
    }

    private Reconciler() {
    }

    /** Two intervals (either may be null: none) of the same length as the database compares them. */
    private static boolean same(UnaryOperator<String> canonical, String want, String have) {
        return want == null || have == null ? want == have : Objects.equals(canonical.apply(want), canonical.apply(have));
    }

    /**
     * @param canonical           an interval's length as the database measures it (TimescaleDB keeps a chunk
     *                            interval of "1 month" as 30 days), for declared and stored intervals alike
     * @param declaredDefinitions each declared aggregate's query as the database prints it back
     */
    static Plan plan(String table, PipelineConfig.Timescale want, HypertableState have, UnaryOperator<String> canonical,
                     Map<String, String> declaredDefinitions) {
        List<Step> steps = new ArrayList<>();
        List<Refusal> refusals = new ArrayList<>();
        List<String> created = new ArrayList<>();
        if (!want.timeColumn().equals(have.timeColumn())) {
            refusals.add(new Refusal("time-column", "table " + table + " is a hypertable partitioned by " + have.timeColumn()
                    + ", not by the declared " + want.timeColumn() + ", and TimescaleDB cannot change a hypertable's time column",
                    "declare time-column: " + have.timeColumn() + ", or rename the table away (ALTER TABLE " + table + " RENAME TO " + table
                    + "_old) and restart the sink, which creates it anew, then fill it by a new snapshot or a replay of the topic"));
        }
        if (!have.otherDimensions().isEmpty()) {
            refusals.add(new Refusal("time-column", "table " + table + " is also partitioned by " + have.otherDimensions()
                    + ", which the declaration does not have, and TimescaleDB cannot remove a dimension",
                    "rename the table away (ALTER TABLE " + table + " RENAME TO " + table + "_old) and restart the sink to get a table "
                    + "partitioned by time only, then fill it by a new snapshot or a replay of the topic"));
        }
        if (!same(canonical, want.chunkInterval(), have.chunkInterval())) {
            steps.add(new Step("chunk interval " + have.chunkInterval() + " -> " + want.chunkInterval() + " (chunks created from now on)",
                    TimescaleSql.setChunkInterval(table, want.chunkInterval())));
        }
        compression(table, want, have, canonical, steps);
        retention(table, want, have, canonical, steps);
        for (int i = 0; i < want.aggregates().size(); i++) {
            PipelineConfig.Aggregate a = want.aggregates().get(i);
            String key = "aggregates[" + i + "]";
            if (have.clashes().contains(a.name())) {
                refusals.add(new Refusal(key + ".name", "a relation named " + a.name() + " exists and is not a continuous aggregate",
                        "rename that relation or give the aggregate another name"));
                continue;
            }
            aggregate(table, want, a, have.aggregates().get(a.name()), canonical, declaredDefinitions.get(a.name()), steps, created)
                    .ifPresent(message -> refusals.add(new Refusal(key, message, "drop it (DROP MATERIALIZED VIEW " + a.name()
                            + ", after the aggregates built on it) and restart the sink, which creates it and refreshes its whole history, "
                            + "or declare the new query under another name")));
        }
        boolean compress = steps.stream().anyMatch(st -> st.sql().contains("add_compression_policy"));
        return new Plan(List.copyOf(steps), List.copyOf(refusals), List.copyOf(created), compress);
    }

    private static void compression(String table, PipelineConfig.Timescale want, HypertableState have, UnaryOperator<String> canonical,
                                    List<Step> steps) {
        if (want.compressAfter() == null) {
            if (have.compressAfter() != null) {
                steps.add(new Step("compression policy removed (compressed chunks stay compressed)", TimescaleSql.removeCompressionPolicy(table)));
            }
            return;
        }
        boolean orderDiffers = !want.orderBy().isEmpty() && !normalOrder(want.orderBy()).equals(normalOrder(have.orderBy()));
        if (!have.compressionEnabled() || !want.segmentBy().equals(have.segmentBy()) || orderDiffers) {
            steps.add(new Step("compression segment-by " + have.segmentBy() + " -> " + want.segmentBy() + ", order-by " + have.orderBy() + " -> "
                    + (want.orderBy().isEmpty() ? "TimescaleDB's choice" : want.orderBy()) + " (chunks compressed from now on)",
                    TimescaleSql.setCompression(table, want.segmentBy(), want.orderBy())));
        }
        boolean everyDiffers = want.compressEvery() != null && !same(canonical, want.compressEvery(), have.compressEvery());
        if (!same(canonical, want.compressAfter(), have.compressAfter()) || everyDiffers) {
            if (have.compressAfter() != null) {
                steps.add(new Step("compression policy after " + have.compressAfter() + " every " + have.compressEvery() + " replaced",
                        TimescaleSql.removeCompressionPolicy(table)));
            }
            steps.add(new Step("compression policy after " + want.compressAfter() + (want.compressEvery() == null ? "" : " every " + want.compressEvery()),
                    TimescaleSql.addCompressionPolicy(table, want.compressAfter(), want.compressEvery())));
            steps.add(new Step("compression policy's first run one interval from now", TimescaleSql.deferCompressionPolicy(table)));
        }
    }

    private static void retention(String table, PipelineConfig.Timescale want, HypertableState have, UnaryOperator<String> canonical,
                                  List<Step> steps) {
        if (same(canonical, want.retention(), have.retention())) {
            return;
        }
        if (have.retention() != null) {
            steps.add(new Step("retention policy " + have.retention() + " removed", TimescaleSql.removeRetentionPolicy(table)));
        }
        if (want.retention() != null) {
            steps.add(new Step("retention policy " + want.retention(), TimescaleSql.addRetentionPolicy(table, want.retention())));
        }
    }

    /** Steps for one aggregate, or why it cannot be brought to its declaration. */
    private static Optional<String> aggregate(String table, PipelineConfig.Timescale ts, PipelineConfig.Aggregate a,
                                              HypertableState.AggregateState have, UnaryOperator<String> canonical, String declaredDefinition,
                                              List<Step> steps, List<String> created) {
        if (have == null) {
            steps.add(new Step("aggregate " + a.name() + " created (its history is refreshed in the background)", TimescaleSql.createAggregate(table, ts, a)));
            steps.add(new Step("aggregate " + a.name() + " refresh policy", TimescaleSql.addRefreshPolicy(a)));
            created.add(a.name());
            return Optional.empty();
        }
        if (!Objects.equals(have.definition(), declaredDefinition)) {
            return Optional.of("aggregate " + a.name() + " exists with another query than declared, and TimescaleDB cannot change a "
                    + "continuous aggregate's query (the database has: " + oneLine(have.definition()) + " declared: " + oneLine(declaredDefinition) + ")");
        }
        if (have.materializedOnly() == a.realTime()) {
            steps.add(new Step("aggregate " + a.name() + " real-time " + !have.materializedOnly() + " -> " + a.realTime(), TimescaleSql.setRealTime(a)));
        }
        boolean samePolicy = have.policy() && same(canonical, a.refreshStart(), have.refreshStart()) && same(canonical, a.refreshEnd(), have.refreshEnd())
                && same(canonical, a.refreshEvery(), have.refreshEvery());
        if (!samePolicy) {
            if (have.policy()) {
                steps.add(new Step("aggregate " + a.name() + " refresh policy (" + have.refreshStart() + ", " + have.refreshEnd() + ", every "
                        + have.refreshEvery() + ") replaced", TimescaleSql.removeRefreshPolicy(a.name())));
            }
            steps.add(new Step("aggregate " + a.name() + " refresh policy (" + a.refreshStart() + ", " + a.refreshEnd() + ", every "
                    + a.refreshEvery() + ")", TimescaleSql.addRefreshPolicy(a)));
        }
        return Optional.empty();
    }

    private static String oneLine(String sql) {
        return sql == null ? "nothing" : sql.replaceAll("\\s+", " ").trim();
    }

    /** "time DESC" and "\"time\" desc nulls first" alike: unquoted, lower case, the default null order dropped. */
    static List<String> normalOrder(List<String> items) {
        return items.stream().map(i -> {
            String s = i.replace("\"", "").trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").replaceFirst(" asc( |$)", "$1");
            return s.endsWith(" desc") || s.endsWith(" desc nulls last") || s.endsWith(" nulls first") ? s.replaceFirst(" desc nulls first$", " desc")
                    : s.replaceFirst(" nulls last$", "");
        }).toList();
    }
}
