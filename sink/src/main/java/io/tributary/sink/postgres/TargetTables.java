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
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a target table fit the table shape an event carries. A missing table is created with the exact
 * types, the same primary key and NOT NULL constraints, and what the application needs to take it over
 * ({@link AppReadyDdl}: identities, defaults, indexes; the constraints later, {@link SourceConstraints}).
 * An existing (migration-owned) table is checked ({@link TargetColumns}): its declared column types are written
 * into through {@link TargetConversions}, the primary key must match, and a NOT NULL target column the source
 * does not have must have a default; every difference is reported together and the table is refused before
 * anything is created in it. Additive evolution: a column the target lacks is added, nullable. Nothing is
 * ever dropped or retyped. Tributary's own state lives in the {@link Bookkeeping} columns and tables:
 * {@value Bookkeeping#POSITION} (and {@value Bookkeeping#DELETED} with soft deletes) on the table, the side
 * table of remembered deletes ({@link Bookkeeping#deletesTable}), and {@value Bookkeeping#FLOOR},
 * {@value Bookkeeping#PARKED} and {@value Bookkeeping#QUARANTINE} shared by the database's tables.
 */
final class TargetTables {
    private static final Logger log = LoggerFactory.getLogger(TargetTables.class);
    /** The position of a row the sink did not write (there before, or the application's): older than every event's. */
    static final String OLDEST = "{-1,-1,-1,-1}";

    /**
     * The position column of a target table. Its default, older than every position, is what a row the
     * application writes (after cutover, or into a migration-owned table) carries: the guard then treats it
     * as oldest, and the application never has to name the column.
     */
    static final String POSITION_COLUMN = Bookkeeping.POSITION + " bigint[] NOT NULL DEFAULT '" + OLDEST + "'";

    private TargetTables() {
    }

    /**
     * The side tables services share in a database: the generation floor, parked and quarantined events; in the
     * caller's transaction, which creates them with the first tables it checked and accepted.
     */
    static void ensureShared(Connection c, String service, List<String> tables) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(hashtext('tributary:shared'))"); // sinks starting together must not race on the DDL
            ParkedEvents.createTables(s);
        }
        GenerationFloor.ensure(c, service, tables);
    }

    /**
     * Makes the target fit {@code t}, its columns of the {@code types} given, inside the caller's transaction, and
     * says how each column is written: a {@link ColumnBinding} per column an existing table declares with another
     * type (see {@link TargetConversions}; the others are written as they are). An existing table is checked
     * completely before anything is created or changed in it; throws {@link TargetSchemaException} listing every
     * difference it cannot fix.
     */
    static Map<String, ColumnBinding> ensure(Connection c, TableSchema t, PipelineConfig.TableOptions options, TargetTypes types) throws SQLException {
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
        TargetColumns existing = TargetColumns.read(c, name);
        Map<String, ColumnBinding> converted = Map.of();
        try (Statement s = c.createStatement()) {
            if (!existing.exists()) {
                String cols = t.columns().stream().map(col -> AppReadyDdl.column(col, t.definition(), types.sqlType(col)))
                        .collect(Collectors.joining(", "));
                s.execute("CREATE TABLE IF NOT EXISTS " + Identifiers.quote(name) + " (" + cols + ", " + POSITION_COLUMN
                        + (options.softDelete() ? ", " + Bookkeeping.DELETED + " boolean NOT NULL DEFAULT false" : "")
                        + ", PRIMARY KEY (" + key.stream().map(Identifiers::quote).collect(Collectors.joining(", ")) + "))");
                log.info("created target table table={} columns={}", name, t.columns().size());
                t.columns().forEach(col -> warnFallback(name, col, types));
                AppReadyDdl.createIndexes(s, t, options.sourceConstraints());
            } else {
                converted = existing.plan(c, t, options, key, types);
                addMissing(s, t, existing, options, types);
            }
            String keys = t.primaryKey().stream().map(k -> t.column(k).orElseThrow())
                    .map(col -> Identifiers.quote(col.name()) + " " + types.sqlType(col) + " NOT NULL").collect(Collectors.joining(", "));
            s.execute("CREATE TABLE IF NOT EXISTS " + Identifiers.quote(Bookkeeping.deletesTable(name)) + " (" + keys + ", " + Bookkeeping.POSITION
                    + " bigint[] NOT NULL, PRIMARY KEY (" + pk(t) + "))");
        }
        if (ts != null) {
            applyTimescale(c, name, ts);
        }
        return converted;
    }

    /**
     * Adds to an existing table the source columns it lacks (nullable, with the source default) and the
     * bookkeeping columns, each with a constant default: instant in PostgreSQL 11+, and never in the way of
     * the application's own INSERT, UPDATE and DELETE. A row the sink did not write reads as the oldest position.
     */
    private static void addMissing(Statement s, TableSchema t, TargetColumns existing, PipelineConfig.TableOptions options, TargetTypes types)
            throws SQLException {
        String name = Identifiers.quote(t.table().table());
        for (Column col : t.columns()) {
            if (!existing.has(col.name())) {
                s.execute("ALTER TABLE " + name + " ADD COLUMN IF NOT EXISTS " + Identifiers.quote(col.name()) + " " + types.sqlType(col)
                        + PgTypes.defaultClause(col));
                log.info("added target column table={} column={} type={}{}", t.table().table(), col.name(), types.sqlType(col), PgTypes.defaultClause(col));
                warnFallback(t.table().table(), col, types);
            }
        }
        s.execute("ALTER TABLE " + name + " ADD COLUMN IF NOT EXISTS " + POSITION_COLUMN);
        // a table an older sink created has no default: give it one, so the application's INSERTs need not name it
        s.execute("ALTER TABLE " + name + " ALTER COLUMN " + Bookkeeping.POSITION + " SET DEFAULT '" + OLDEST + "'");
        if (options.softDelete()) {
            s.execute("ALTER TABLE " + name + " ADD COLUMN IF NOT EXISTS " + Bookkeeping.DELETED + " boolean NOT NULL DEFAULT false");
        }
    }

    /**
     * Brings an existing table to its TimescaleDB declaration at start, before any event arrives for it
     * (a table that does not exist yet gets it when {@link #ensure} creates it).
     */
    static void reconcileTimescale(Connection c, String table, PipelineConfig.TableOptions options) throws SQLException {
        if (options.timescale() == null || !TargetColumns.read(c, table).exists()) {
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

    /** One warning for a column created without its declared type, which the target lacks: what it holds and the fix. */
    private static void warnFallback(String table, Column col, TargetTypes types) {
        String declared = types.missing(col);
        if (declared != null) {
            log.warn("target column table={} column={} is {} instead of the source's {}: the target database has no type {} "
                    + "(values arrive as the source's text of them, exact); to have the source's type, create it in the target "
                    + "(CREATE TYPE or CREATE DOMAIN as in the source, or CREATE EXTENSION) and ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}::{}",
                    table, col.name(), types.sqlType(col), declared, declared, Identifiers.quote(table), Identifiers.quote(col.name()), declared,
                    Identifiers.quote(col.name()), declared);
        }
    }

    private static String pk(TableSchema t) {
        return t.primaryKey().stream().map(Identifiers::quote).collect(Collectors.joining(", "));
    }
}
