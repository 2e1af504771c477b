package io.tributary.sink.timescale;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a target table into a TimescaleDB hypertable as the pipeline file declares it: chunks by the time
 * column, compression with its segment-by columns and compress-after policy, a retention policy, and
 * continuous aggregates with their refresh policies. Idempotent: what exists already is left as it is.
 * Runs inside the caller's transaction.
 *
 * <p>A hypertable's unique keys must include the time column, so the sink keys such a table by the
 * source's primary key plus the time column (see {@link #conflictColumns}).
 */
public final class Hypertables {
    private static final Logger log = LoggerFactory.getLogger(Hypertables.class);

    private Hypertables() {
    }

    /** Whether the server can load TimescaleDB (installed and preloaded), without changing anything. */
    public static boolean available(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') "
                     + "AND current_setting('shared_preload_libraries') LIKE '%timescaledb%'")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** Creates the extension when it is available; false when the database cannot have it. */
    public static boolean ensureExtension(Connection c) throws SQLException {
        if (!available(c)) {
            return false;
        }
        try (Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
        }
        return true;
    }

    /** The primary key the target needs: the source's, plus the time column when it is not part of it. */
    public static List<String> conflictColumns(List<String> primaryKey, PipelineConfig.Timescale ts) {
        List<String> out = new ArrayList<>(primaryKey);
        if (ts != null && !out.contains(ts.timeColumn())) {
            out.add(ts.timeColumn());
        }
        return out;
    }

    /** Makes {@code table} a hypertable with the declared policies and aggregates. */
    public static void apply(Connection c, String table, PipelineConfig.Timescale ts) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (!isHypertable(c, table)) {
                s.execute("SELECT create_hypertable(" + literal(Identifiers.quote(table)) + ", by_range(" + literal(ts.timeColumn())
                        + ", INTERVAL " + literal(ts.chunkInterval()) + "), migrate_data => true)");
                log.info("created hypertable table={} time_column={} chunk_interval={}", table, ts.timeColumn(), ts.chunkInterval());
            }
            if (ts.compressAfter() != null) {
                String segmentBy = ts.segmentBy().stream().map(Identifiers::quote).collect(Collectors.joining(","));
                s.execute("ALTER TABLE " + Identifiers.quote(table) + " SET (timescaledb.compress"
                        + (segmentBy.isEmpty() ? "" : ", timescaledb.compress_segmentby = " + literal(segmentBy)) + ")");
                s.execute("SELECT add_compression_policy(" + literal(Identifiers.quote(table)) + ", compress_after => INTERVAL "
                        + literal(ts.compressAfter()) + ", if_not_exists => true)");
            }
            if (ts.retention() != null) {
                s.execute("SELECT add_retention_policy(" + literal(Identifiers.quote(table)) + ", drop_after => INTERVAL " + literal(ts.retention())
                        + ", if_not_exists => true)");
            }
            for (PipelineConfig.Aggregate a : ts.aggregates()) {
                String groupBy = a.groupBy().stream().map(Identifiers::quote).collect(Collectors.joining(", "));
                s.execute("CREATE MATERIALIZED VIEW IF NOT EXISTS " + Identifiers.quote(a.name()) + " WITH (timescaledb.continuous) AS SELECT time_bucket(INTERVAL "
                        + literal(a.bucket()) + ", " + Identifiers.quote(ts.timeColumn()) + ") AS bucket" + (groupBy.isEmpty() ? "" : ", " + groupBy)
                        + ", " + String.join(", ", a.columns()) + " FROM " + Identifiers.quote(table) + " GROUP BY bucket" + (groupBy.isEmpty() ? "" : ", " + groupBy)
                        + " WITH NO DATA");
                s.execute("SELECT add_continuous_aggregate_policy(" + literal(Identifiers.quote(a.name())) + ", start_offset => INTERVAL " + literal(a.refreshStart())
                        + ", end_offset => INTERVAL " + literal(a.refreshEnd()) + ", schedule_interval => INTERVAL " + literal(a.refreshEvery())
                        + ", if_not_exists => true)");
                log.info("continuous aggregate ready name={} bucket={} table={}", a.name(), a.bucket(), table);
            }
        }
    }

    public static boolean isHypertable(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = ? "
                + "AND hypertable_schema = current_schema()")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
