package io.tributary.common.sql;

import io.tributary.common.sql.Identifiers;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The names of the sink's own state in a target database, next to the service's tables (see
 * {@code docs/sink.md}). The sink alone writes them; applications never write them and never name a column
 * or table of their own with {@link #PREFIX}. Anything that reads a target as a copy of the source (the
 * reconciler, a service team's checks) must leave the {@linkplain #isColumn bookkeeping columns} out and
 * read rows flagged {@link #DELETED} as absent.
 *
 * <p>The names are part of existing targets: changing one orphans the state already stored under it.
 *
 * <p>Not bookkeeping although it shares the prefix: the contract column
 * {@link io.tributary.schemas.event.TableSchema#ROWID_COLUMN}, which is source data (the key of a SQLite table
 * without a primary key).
 */
public final class Bookkeeping {
    /** Reserved for Tributary: the start of every bookkeeping column and table name. */
    public static final String PREFIX = "_tributary_";
    /**
     * Column of every target table, {@code bigint[]}: the source position (see {@code docs/events.md}) of the
     * event that last wrote or deleted the row. The guard against redelivery and replay compares with it.
     */
    public static final String POSITION = PREFIX + "pos";
    /**
     * Column of a table applied with {@code delete: soft}, {@code boolean}: true when the source deleted the
     * row. The row stays, flagged; it is not part of the source's current state.
     */
    public static final String DELETED = PREFIX + "deleted";
    /**
     * Shared table: per target table, the oldest snapshot generation still valid (after a new snapshot of
     * either capture); events of older generations are refused. Also the newest snapshot row read and a
     * generation marker waiting for its snapshot's last row.
     */
    public static final String FLOOR = PREFIX + "floor";
    /** Shared table: events whose parent row is missing (a foreign key), retried until the parent arrives. */
    public static final String PARKED = PREFIX + "parked";
    /** Shared table: parked events whose parent never arrived within the park timeout, with the reason. */
    public static final String QUARANTINE = PREFIX + "quarantine";
    /**
     * Shared table of a database with hypertables: per hypertable, the history work the sink owes it (a time
     * span whose aggregates need a refresh, whether migrated history waits to be compressed).
     */
    public static final String HISTORY = PREFIX + "history";
    /**
     * Prefix of the transactional logical-decoding message the sink writes first in every transaction it commits
     * in a target ({@code pg_logical_emit_message(true, 'tributary.applied', '<service>')}): capture-postgres drops
     * the row changes of a transaction that carries it, so a database that is both a target and a source (the
     * way back after a cutover, docs/cutover.md) never sends Tributary's own writes round again.
     */
    public static final String APPLIED_MESSAGE = "tributary.applied";
    private static final String DELETES_PREFIX = PREFIX + "del_";
    private static final Set<String> COLUMNS = Set.of(POSITION, DELETED);
    /** Length the start of a shortened deletes-table name is cut to, leaving room for the hash. */
    private static final int SHORTENED_BYTES = 40;

    private Bookkeeping() {
    }

    /** True for a bookkeeping column of a target table: not source data. */
    public static boolean isColumn(String column) {
        return COLUMNS.contains(column);
    }

    /**
     * The side table of {@code table}'s remembered deletes: the key and {@link #POSITION} of each delete
     * applied, so that an older insert or update replayed afterwards cannot bring the row back. (Not a
     * Kafka tombstone: those are records with a null value and never reach a table.)
     *
     * <p>A name past PostgreSQL's {@value Identifiers#POSTGRES_MAX_BYTES} bytes is cut to its first
     * {@value #SHORTENED_BYTES} bytes plus a hash of {@code table}, so that long table names that differ only
     * at the end keep distinct side tables. Existing targets hold tables under exactly these names.
     */
    public static String deletesTable(String table) {
        String name = DELETES_PREFIX + table;
        if (utf8Length(name) <= Identifiers.POSTGRES_MAX_BYTES) {
            return name;
        }
        String hash = Integer.toHexString(table.hashCode() & 0x7fffffff);
        String start = name.substring(0, Math.min(name.length(), SHORTENED_BYTES));
        while (utf8Length(start) > SHORTENED_BYTES) {
            start = start.substring(0, start.length() - 1);
        }
        return start + "_" + hash;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
