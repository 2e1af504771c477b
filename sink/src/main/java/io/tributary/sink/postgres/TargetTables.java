package io.tributary.sink.postgres;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Identifiers;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.TableSchema;
import io.tributary.sink.timescale.Hypertables;
import io.tributary.sink.timescale.Refusal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a target table fit the table shape an event carries. A missing table is created with the exact
 * types, the same primary key and NOT NULL constraints. An existing (migration-owned) table is validated:
 * each column's type must be the source's or a lossless widening, the primary key must match, and a NOT
 * NULL target column the source does not have must have a default; every difference is reported together
 * and the table is refused. Additive evolution: a column the target lacks is added, nullable. Nothing is
 * ever dropped or retyped. Tributary's own state lives in the {@link Bookkeeping} columns and tables:
 * {@value Bookkeeping#POSITION} (and {@value Bookkeeping#DELETED} with soft deletes) on the table, the side
 * table of remembered deletes ({@link Bookkeeping#deletesTable}), and {@value Bookkeeping#FLOOR},
 * {@value Bookkeeping#PARKED} and {@value Bookkeeping#QUARANTINE} shared by the database's tables.
 */
final class TargetTables {
    private static final Logger log = LoggerFactory.getLogger(TargetTables.class);
    /** Lossless widenings a migration-owned table may use: source type -> acceptable target types. */
    private static final Map<String, Set<String>> WIDER = Map.of(
            "smallint", Set.of("integer", "bigint", "numeric"),
            "integer", Set.of("bigint", "numeric"),
            "bigint", Set.of("numeric"),
            "real", Set.of("double precision"),
            "json", Set.of("jsonb"));

    private TargetTables() {
    }

    /** The side tables services share in a database: the generation floor, parked and quarantined events. */
    static void ensureShared(Connection c, String service, List<String> tables) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(hashtext('tributary:shared'))"); // sinks starting together must not race on the DDL
            ParkedEvents.createTables(s);
        }
        GenerationFloor.ensure(c, service, tables);
        c.commit();
    }

    /** Makes the target fit {@code t}, inside the caller's transaction; throws {@link TargetSchemaException} listing every difference it cannot fix. */
    static void ensure(Connection c, TableSchema t, PipelineConfig.TableOptions options) throws SQLException {
        String name = t.table().table();
        if (!Identifiers.fitsPostgres(name)) { // the start-up check refuses it too (SinkApp); replay and tools come here
            throw new TargetSchemaException(name, List.of("its name is longer than PostgreSQL's " + Identifiers.POSTGRES_MAX_BYTES
                    + " bytes and would be cut; rename the source table or leave it out of the service"));
        }
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            lock.setString(1, "tributary:" + name); // two sinks starting together must not race on the DDL
            lock.execute();
        }
        PipelineConfig.Timescale ts = timescale(c, name, options);
        List<String> key = Hypertables.conflictColumns(t.primaryKey(), ts);
        Map<String, TargetColumn> existing = columns(c, name);
        try (Statement s = c.createStatement()) {
            if (existing.isEmpty()) {
                String cols = t.columns().stream()
                        .map(col -> Identifiers.quote(col.name()) + " " + PgTypes.sqlType(col) + PgTypes.defaultClause(col) + (col.optional() ? "" : " NOT NULL"))
                        .collect(Collectors.joining(", "));
                s.execute("CREATE TABLE IF NOT EXISTS " + Identifiers.quote(name) + " (" + cols + ", " + Bookkeeping.POSITION
                        + " bigint[] NOT NULL" + (options.softDelete() ? ", " + Bookkeeping.DELETED + " boolean NOT NULL DEFAULT false" : "")
                        + ", PRIMARY KEY (" + key.stream().map(Identifiers::quote).collect(Collectors.joining(", ")) + "))");
                log.info("created target table table={} columns={}", name, t.columns().size());
            } else {
                List<String> differences = differences(c, t, existing, key);
                if (!differences.isEmpty()) {
                    throw new TargetSchemaException(name, differences);
                }
                for (Column col : t.columns()) {
                    if (!existing.containsKey(col.name())) {
                        s.execute("ALTER TABLE " + Identifiers.quote(name) + " ADD COLUMN IF NOT EXISTS " + Identifiers.quote(col.name()) + " " + PgTypes.sqlType(col)
                                + PgTypes.defaultClause(col));
                        log.info("added target column table={} column={} type={}{}", name, col.name(), PgTypes.sqlType(col), PgTypes.defaultClause(col));
                    }
                }
                s.execute("ALTER TABLE " + Identifiers.quote(name) + " ADD COLUMN IF NOT EXISTS " + Bookkeeping.POSITION + " bigint[] NOT NULL DEFAULT '{-1,-1,-1,-1}'");
                if (options.softDelete()) {
                    s.execute("ALTER TABLE " + Identifiers.quote(name) + " ADD COLUMN IF NOT EXISTS " + Bookkeeping.DELETED + " boolean NOT NULL DEFAULT false");
                }
            }
            String keys = t.primaryKey().stream().map(k -> t.column(k).orElseThrow())
                    .map(col -> Identifiers.quote(col.name()) + " " + PgTypes.sqlType(col) + " NOT NULL").collect(Collectors.joining(", "));
            s.execute("CREATE TABLE IF NOT EXISTS " + Identifiers.quote(Bookkeeping.deletesTable(name)) + " (" + keys + ", " + Bookkeeping.POSITION
                    + " bigint[] NOT NULL, PRIMARY KEY (" + pk(t) + "))");
        }
        if (ts != null) {
            applyTimescale(c, name, ts);
        }
    }

    /**
     * Brings an existing table to its TimescaleDB declaration at start, before any event arrives for it
     * (a table that does not exist yet gets it when {@link #ensure} creates it).
     */
    static void reconcileTimescale(Connection c, String table, PipelineConfig.TableOptions options) throws SQLException {
        if (options.timescale() == null || columns(c, table).isEmpty()) {
            return;
        }
        PipelineConfig.Timescale ts = timescale(c, table, options);
        if (ts != null) {
            applyTimescale(c, table, ts);
        }
    }

    private static void applyTimescale(Connection c, String table, PipelineConfig.Timescale ts) throws SQLException {
        List<Refusal> refused = Hypertables.apply(c, table, ts);
        if (!refused.isEmpty()) {
            throw new TargetSchemaException(table, "its TimescaleDB declaration (options." + table + ".timescale)",
                    refused.stream().map(Refusal::toString).toList());
        }
    }

    /**
     * The table's TimescaleDB declaration when the target can have it; null for a plain table. A table
     * declared optional falls back to a plain table, loudly; otherwise a missing extension is an error.
     */
    static PipelineConfig.Timescale timescale(Connection c, String table, PipelineConfig.TableOptions options) throws SQLException {
        PipelineConfig.Timescale ts = options.timescale();
        if (ts == null || Hypertables.ensureExtension(c)) {
            return ts;
        }
        if (ts.optional()) {
            log.warn("TimescaleDB is not available in the target; table={} is declared optional and becomes a plain table", table);
            return null;
        }
        throw new TargetSchemaException(table, List.of("it is declared a TimescaleDB hypertable but the target database cannot load the "
                + "timescaledb extension; install TimescaleDB (shared_preload_libraries = 'timescaledb') or declare the table optional"));
    }

    private static List<String> differences(Connection c, TableSchema t, Map<String, TargetColumn> existing, List<String> key)
            throws SQLException {
        List<String> out = new ArrayList<>();
        Set<String> source = new HashSet<>();
        for (Column col : t.columns()) {
            source.add(col.name());
            TargetColumn target = existing.get(col.name());
            String want = canonical(PgTypes.sqlType(col));
            if (target != null && !target.type.equals(want) && !WIDER.getOrDefault(want.replaceAll("\\(.*", ""), Set.of()).contains(target.type.replaceAll("\\(.*", ""))
                    && !widerText(want, target.type) && !widerNumeric(want, target.type)) {
                out.add("column " + col.name() + " is " + target.type + " in the target but " + want + " in the source (declared "
                        + col.sourceType() + "); change the target column to " + want + " or a wider type");
            }
        }
        for (TargetColumn tc : existing.values()) {
            if (!source.contains(tc.name) && tc.notNull && !tc.hasDefault && !tc.name.startsWith(Bookkeeping.PREFIX)) {
                out.add("column " + tc.name + " is NOT NULL without a default in the target and the source has no such column; "
                        + "give it a default or make it nullable");
            }
        }
        List<String> targetPk = primaryKey(c, t.table().table());
        if (!new HashSet<>(targetPk).equals(new HashSet<>(key))) {
            out.add("primary key is (" + String.join(", ", targetPk) + ") in the target but must be (" + String.join(", ", key)
                    + "): the sink applies rows by the source's key (plus the time column of a hypertable)");
        }
        return out;
    }

    private static boolean widerText(String want, String have) {
        return want.startsWith("character varying(") && (have.equals("text") || have.equals("character varying")
                || have.startsWith("character varying(") && size(have) >= size(want));
    }

    private static boolean widerNumeric(String want, String have) {
        return want.startsWith("numeric") && (have.equals("numeric") || want.startsWith("numeric(") && have.startsWith("numeric(")
                && have.endsWith("," + want.replaceAll(".*,", "")) && size(have) >= size(want));
    }

    private static int size(String type) {
        return Integer.parseInt(type.replaceAll(".*\\((\\d+).*", "$1"));
    }

    /** Our type spelled as PostgreSQL's format_type spells it. */
    static String canonical(String sqlType) {
        return sqlType.replaceFirst("^varchar", "character varying").replaceFirst("^char\\(", "character(")
                .replace("timestamptz", "timestamp with time zone").replaceFirst("^timestamp$", "timestamp without time zone")
                .replaceFirst("^time$", "time without time zone");
    }

    private record TargetColumn(String name, String type, boolean notNull, boolean hasDefault) {
    }

    private static Map<String, TargetColumn> columns(Connection c, String table) throws SQLException {
        Map<String, TargetColumn> cols = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef "
                + "FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid "
                + "WHERE r.relname = ? AND r.relnamespace = current_schema()::regnamespace AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    cols.put(rs.getString(1), new TargetColumn(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getBoolean(4)));
                }
            }
        }
        return cols;
    }

    private static List<String> primaryKey(Connection c, String table) throws SQLException {
        List<String> pk = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid "
                + "JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = ANY (i.indkey) "
                + "WHERE r.relname = ? AND r.relnamespace = current_schema()::regnamespace AND i.indisprimary")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pk.add(rs.getString(1));
                }
            }
        }
        return pk;
    }

    private static String pk(TableSchema t) {
        return t.primaryKey().stream().map(Identifiers::quote).collect(Collectors.joining(", "));
    }
}
