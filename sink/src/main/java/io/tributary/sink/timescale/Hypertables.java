package io.tributary.sink.timescale;

import io.tributary.common.config.PipelineConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a target table the TimescaleDB hypertable its declaration says, and keeps it so: a plain table is
 * converted ({@code create_hypertable}, {@code migrate_data}); an existing hypertable is compared with its
 * declaration on every start ({@link Reconciler}), what TimescaleDB can change in place is changed and
 * logged, and what it cannot is refused before anything is changed. On a table that holds rows, new
 * aggregates owe their whole history a refresh and a new compression policy owes it a compression
 * ({@link HistoryLedger}). Runs inside the caller's transaction.
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
        HistoryLedger.ensure(c);
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

    /**
     * Brings {@code table} (which exists) to its declaration; returns the refusals, in which case nothing
     * was changed.
     */
    public static List<Refusal> apply(Connection c, String table, PipelineConfig.Timescale ts) throws SQLException {
        boolean hasRows = hasRows(c, table); // false for a table created in this transaction: its rows come next
        if (!isHypertable(c, table)) {
            execute(c, TimescaleSql.createHypertable(table, ts));
            log.info("created hypertable table={} time_column={} chunk_interval={} migrated_rows={}", table, ts.timeColumn(), ts.chunkInterval(), hasRows);
        }
        Reconciler.Plan plan = plan(c, table, ts);
        if (!plan.refusals().isEmpty()) {
            return plan.refusals();
        }
        for (Reconciler.Step step : plan.steps()) {
            execute(c, step.sql());
            log.info("timescale declaration applied table={} change=\"{}\"", table, step.change());
        }
        if (hasRows && (!plan.newAggregates().isEmpty() || plan.compressHistory())) {
            HistoryLedger.wholeTable(c, table, plan.compressHistory());
        }
        return List.of();
    }

    /** What {@link #apply} would refuse for a table that is a hypertable already; changes nothing. */
    public static List<Refusal> refusals(Connection c, String table, PipelineConfig.Timescale ts) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")) {
            if (!rs.next()) {
                return List.of(); // no hypertable yet in this database
            }
        }
        return isHypertable(c, table) ? plan(c, table, ts).refusals() : List.of();
    }

    private static Reconciler.Plan plan(Connection c, String table, PipelineConfig.Timescale ts) throws SQLException {
        HypertableState have = HypertableCatalog.read(c, table, ts);
        List<String> intervals = new ArrayList<>(List.of(ts.chunkInterval(), have.chunkInterval()));
        for (String i : new String[] {ts.compressAfter(), ts.compressEvery(), ts.retention(), have.compressAfter(), have.compressEvery(), have.retention()}) {
            if (i != null) {
                intervals.add(i);
            }
        }
        ts.aggregates().forEach(a -> intervals.addAll(List.of(a.refreshStart(), a.refreshEnd(), a.refreshEvery())));
        have.aggregates().values().forEach(a -> Stream.of(a.refreshStart(), a.refreshEnd(), a.refreshEvery()).filter(Objects::nonNull).forEach(intervals::add));
        Map<String, String> canonical = HypertableCatalog.canonicalIntervals(c, intervals);
        Map<String, String> definitions = HypertableCatalog.declaredDefinitions(c, table, ts, have.aggregates().keySet());
        return Reconciler.plan(table, ts, have, canonical::get, definitions);
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

    private static boolean hasRows(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM " + TimescaleSql.quote(table) + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
