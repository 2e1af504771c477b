package io.tributary.sink.timescale;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Identifiers;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL text of every TimescaleDB statement the sink issues, built from a declaration and nothing else,
 * so that what the sink would run can be tested without a server. Identifiers are always quoted and
 * interval texts always passed as literals.
 */
final class TimescaleSql {
    private TimescaleSql() {
    }

    static String createHypertable(String table, PipelineConfig.Timescale ts) {
        return "SELECT create_hypertable(" + regclass(table) + ", by_range(" + literal(ts.timeColumn()) + ", INTERVAL "
                + literal(ts.chunkInterval()) + "), migrate_data => true)";
    }

    static String setChunkInterval(String table, String interval) {
        return "SELECT set_chunk_time_interval(" + regclass(table) + ", INTERVAL " + literal(interval) + ")";
    }

    /** Compression settings; they apply to chunks compressed from now on (compressed chunks keep theirs). */
    static String setCompression(String table, List<String> segmentBy, List<String> orderBy) {
        String segments = segmentBy.stream().map(TimescaleSql::quote).collect(Collectors.joining(","));
        String order = orderBy.stream().map(TimescaleSql::orderItem).collect(Collectors.joining(","));
        return "ALTER TABLE " + quote(table) + " SET (timescaledb.compress, timescaledb.compress_segmentby = " + literal(segments)
                + (orderBy.isEmpty() ? "" : ", timescaledb.compress_orderby = " + literal(order)) + ")";
    }

    /** {@code every} null: TimescaleDB's schedule (half the chunk interval, at most 12 hours). */
    static String addCompressionPolicy(String table, String after, String every) {
        return "SELECT add_compression_policy(" + regclass(table) + ", compress_after => INTERVAL " + literal(after)
                + (every == null ? "" : ", schedule_interval => INTERVAL " + literal(every)) + ")";
    }

    /**
     * Moves the compression policy's first run one schedule interval from now, not at once: history is the
     * sink's to compress when it has arrived, and the retention policy's first run comes at once; run
     * together, the two fail (seen with TimescaleDB 2.28.3: a deadlock, or "chunk not found" for a chunk the
     * other dropped). A statement of its own: the job the policy adds is not visible to the statement adding it.
     */
    static String deferCompressionPolicy(String table) {
        return "SELECT alter_job(job_id, next_start => now() + schedule_interval) FROM timescaledb_information.jobs "
                + "WHERE proc_name = 'policy_compression' AND hypertable_schema = current_schema() AND hypertable_name = " + literal(table);
    }

    static String removeCompressionPolicy(String table) {
        return "SELECT remove_compression_policy(" + regclass(table) + ", if_exists => true)";
    }

    static String addRetentionPolicy(String table, String dropAfter) {
        return "SELECT add_retention_policy(" + regclass(table) + ", drop_after => INTERVAL " + literal(dropAfter) + ")";
    }

    static String removeRetentionPolicy(String table) {
        return "SELECT remove_retention_policy(" + regclass(table) + ", if_exists => true)";
    }

    /**
     * The aggregate's query: {@code time_bucket} over the hypertable's time column, or over the bucket
     * column of the aggregate it is built on, then the group-by columns and the declared expressions.
     */
    static String definition(String table, PipelineConfig.Timescale ts, PipelineConfig.Aggregate a) {
        PipelineConfig.Aggregate parent = parent(ts, a);
        String source = parent == null ? table : parent.name();
        String time = parent == null ? ts.timeColumn() : parent.bucketColumn();
        String groupBy = a.groupBy().stream().map(TimescaleSql::quote).map(g -> ", " + g).collect(Collectors.joining());
        return "SELECT time_bucket(INTERVAL " + literal(a.bucket()) + ", " + quote(time) + ") AS " + quote(a.bucketColumn()) + groupBy
                + ", " + String.join(", ", a.columns()) + " FROM " + quote(source) + " GROUP BY " + quote(a.bucketColumn()) + groupBy;
    }

    static String createAggregate(String table, PipelineConfig.Timescale ts, PipelineConfig.Aggregate a) {
        return "CREATE MATERIALIZED VIEW " + quote(a.name()) + " WITH (timescaledb.continuous, timescaledb.materialized_only = "
                + !a.realTime() + ") AS " + definition(table, ts, a) + " WITH NO DATA";
    }

    static String setRealTime(PipelineConfig.Aggregate a) {
        return "ALTER MATERIALIZED VIEW " + quote(a.name()) + " SET (timescaledb.materialized_only = " + !a.realTime() + ")";
    }

    static String addRefreshPolicy(PipelineConfig.Aggregate a) {
        return "SELECT add_continuous_aggregate_policy(" + regclass(a.name()) + ", start_offset => INTERVAL " + literal(a.refreshStart())
                + ", end_offset => INTERVAL " + literal(a.refreshEnd()) + ", schedule_interval => INTERVAL " + literal(a.refreshEvery()) + ")";
    }

    static String removeRefreshPolicy(String aggregate) {
        return "SELECT remove_continuous_aggregate_policy(" + regclass(aggregate) + ", if_exists => true)";
    }

    /** The aggregate {@code a} is built on, or null when it is built on the hypertable. */
    static PipelineConfig.Aggregate parent(PipelineConfig.Timescale ts, PipelineConfig.Aggregate a) {
        if (a.on() == null) {
            return null;
        }
        return ts.aggregates().stream().filter(p -> p.name().equals(a.on())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("aggregate " + a.name() + " is built on undeclared " + a.on()));
    }

    static String quote(String ident) {
        return Identifiers.quote(ident);
    }

    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static String regclass(String name) {
        return literal(quote(name));
    }

    /** "time DESC" as {@code "time" DESC}: the column quoted, the direction kept. */
    private static String orderItem(String item) {
        String[] parts = item.trim().split("\\s+", 2);
        return quote(parts[0]) + (parts.length > 1 ? " " + parts[1].toUpperCase(java.util.Locale.ROOT) : "");
    }
}
