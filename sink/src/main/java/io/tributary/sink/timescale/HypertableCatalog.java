package io.tributary.sink.timescale;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.CatalogRows;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@link HypertableState} from TimescaleDB's information views, and prints declared intervals and
 * aggregate queries the way the database prints its own, so that {@link Reconciler} compares like with
 * like. Runs inside the caller's transaction and changes nothing (a failed probe is rolled back to a
 * savepoint).
 */
final class HypertableCatalog {
    private HypertableCatalog() {
    }

    /** The state of {@code table}, which must be a hypertable in the current schema. */
    static HypertableState read(Connection c, String table, PipelineConfig.Timescale declared) throws SQLException {
        String time = null;
        String chunk = null;
        List<String> others = new ArrayList<>();
        for (String[] d : rows(c, "SELECT column_name, time_interval::text FROM timescaledb_information.dimensions "
                + "WHERE hypertable_schema = current_schema() AND hypertable_name = ? ORDER BY dimension_number", table)) {
            if (time == null) {
                time = d[0];
                chunk = d[1];
            } else {
                others.add(d[0]);
            }
        }
        boolean enabled = "t".equals(rows(c, "SELECT compression_enabled FROM timescaledb_information.hypertables "
                + "WHERE hypertable_schema = current_schema() AND hypertable_name = ?", table).get(0)[0]);
        List<String> segmentBy = List.of();
        List<String> orderBy = List.of();
        for (String[] s : rows(c, "SELECT segmentby, orderby FROM timescaledb_information.hypertable_compression_settings "
                + "WHERE hypertable = format('%I', ?::text)::regclass", table)) {
            segmentBy = split(s[0]);
            orderBy = split(s[1]);
        }
        String compressAfter = null;
        String compressEvery = null;
        String retention = null;
        for (String[] j : rows(c, "SELECT proc_name, COALESCE(config->>'compress_after', config->>'drop_after')::interval::text, schedule_interval::text "
                + "FROM timescaledb_information.jobs WHERE hypertable_schema = current_schema() AND hypertable_name = ? "
                + "AND proc_name IN ('policy_compression', 'policy_retention')", table)) {
            if (j[0].equals("policy_compression")) {
                compressAfter = j[1];
                compressEvery = j[2];
            } else {
                retention = j[1];
            }
        }
        List<String> names = declared.aggregates().stream().map(PipelineConfig.Aggregate::name).toList();
        Map<String, HypertableState.AggregateState> aggregates = aggregates(c, names);
        List<String> clashes = new ArrayList<>();
        for (String[] r : rows(c, "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname = ANY (?)", names)) {
            if (!aggregates.containsKey(r[0])) {
                clashes.add(r[0]);
            }
        }
        return new HypertableState(time, chunk, others, enabled, segmentBy, orderBy, compressAfter, compressEvery, retention, aggregates, clashes);
    }

    private static Map<String, HypertableState.AggregateState> aggregates(Connection c, List<String> names) throws SQLException {
        Map<String, HypertableState.AggregateState> out = new LinkedHashMap<>();
        for (String[] r : rows(c, "SELECT ca.view_name, ca.hypertable_name, ca.view_definition, ca.materialized_only::text, (j.job_id IS NOT NULL)::text, "
                + "(j.config->>'start_offset')::interval::text, (j.config->>'end_offset')::interval::text, j.schedule_interval::text "
                + "FROM timescaledb_information.continuous_aggregates ca LEFT JOIN timescaledb_information.jobs j "
                + "ON j.hypertable_schema = ca.view_schema AND j.hypertable_name = ca.view_name AND j.proc_name = 'policy_refresh_continuous_aggregate' "
                + "WHERE ca.view_schema = current_schema() AND ca.view_name = ANY (?)", names)) {
            out.put(r[0], new HypertableState.AggregateState(r[0], r[1], r[2], Boolean.parseBoolean(r[3]) || "t".equals(r[3]),
                    "true".equals(r[4]), r[5], r[6], r[7]));
        }
        return out;
    }

    /**
     * Each interval's length in seconds as the database measures it ("1 hour" and "01:00:00" alike; a month
     * is 30 days, as TimescaleDB keeps a chunk interval of "1 month"), for each text given.
     */
    static Map<String, String> canonicalIntervals(Connection c, List<String> texts) throws SQLException {
        Map<String, String> out = new HashMap<>();
        List<String> distinct = texts.stream().distinct().toList();
        for (String[] r : rows(c, "SELECT t, extract(epoch FROM t::interval)::text FROM unnest(?::text[]) AS t", distinct)) {
            out.put(r[0], r[1]);
        }
        return out;
    }

    /**
     * The query of each existing declared aggregate as the database prints it: a temporary view of the
     * declared query, printed by {@code pg_get_viewdef} exactly as TimescaleDB's direct view is. A query
     * that cannot be planned (an expression error, a missing parent) prints as its error.
     */
    static Map<String, String> declaredDefinitions(Connection c, String table, PipelineConfig.Timescale ts, Iterable<String> existing)
            throws SQLException {
        Map<String, String> out = new HashMap<>();
        for (String name : existing) {
            PipelineConfig.Aggregate a = ts.aggregates().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            Savepoint sp = c.setSavepoint();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMPORARY VIEW _tributary_probe AS " + TimescaleSql.definition(table, ts, a));
                try (ResultSet rs = s.executeQuery("SELECT pg_get_viewdef('pg_temp._tributary_probe'::regclass)")) {
                    rs.next();
                    out.put(name, rs.getString(1));
                }
                s.execute("DROP VIEW pg_temp._tributary_probe");
                c.releaseSavepoint(sp);
            } catch (SQLException e) {
                c.rollback(sp);
                out.put(name, "(the declared query fails: " + e.getMessage() + ")");
            }
        }
        return out;
    }

    private static List<String> split(String list) {
        return list == null || list.isBlank() ? List.of() : Arrays.stream(list.split(",")).map(String::trim).toList();
    }

    /** Each row as strings; the single parameter is bound as text, or as a text array when a list. */
    private static List<String[]> rows(Connection c, String sql, Object param) throws SQLException {
        return CatalogRows.of(c, sql, param);
    }
}
