package io.tributary.ops.reconcile;

import io.tributary.common.sql.Bookkeeping;
import io.tributary.common.sql.Identifiers;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the comparison of one owned table reads: the source's columns that the target has (in source order),
 * the source's primary key (a SQLite table without one is keyed by its rowid, carried as
 * {@link TableSchema#ROWID_COLUMN}), whether the target keeps soft-deleted rows, the window's time column, and how
 * text keys are ordered. The target's {@link Bookkeeping} columns are not data and are left out. Problems that make the table impossible to compare are
 * listed in {@link #problems()}.
 *
 * @param textKeysByBytes whether PostgreSQL sides order text keys {@code COLLATE "C"} (by bytes): needed when the two
 *                        sides would otherwise order them differently (SQLite orders by bytes; two PostgreSQL databases
 *                        may have different collations). The primary-key index is then not used for ordering.
 */
record TablePlan(String service, TableRef table, String targetTable, boolean sqliteSource, List<Col> columns, int[] key,
                 boolean softDelete, String timeColumn, boolean textKeysByBytes, List<String> problems) {
    static final String ROWID = TableSchema.ROWID_COLUMN;

    /**
     * One compared column.
     *
     * @param sourceType the source's own type: PostgreSQL's udt name, or SQLite's declared type
     * @param sourceCast the source's full type for casts (PostgreSQL), null for SQLite
     */
    record Col(String name, TargetType type, String targetCast, String sourceType, String sourceCast, Double tolerance) {
    }

    List<String> keyNames() {
        List<String> out = new ArrayList<>();
        for (int k : key) {
            out.add(columns.get(k).name());
        }
        return out;
    }

    /** Reads both catalogs; {@code timeColumn} is the window's column, or null. */
    static TablePlan of(String service, TableRef table, boolean sqliteSource, Connection source, Connection target,
                        ReconcileOptions options, String timeColumn) throws SQLException {
        List<String> problems = new ArrayList<>();
        Map<String, Catalog.PgColumn> targetCols = new LinkedHashMap<>();
        boolean softDelete = false;
        for (Catalog.PgColumn c : Catalog.postgresColumns(target, quote(table.table()))) {
            softDelete |= c.name().equals(Bookkeeping.DELETED);
            if (!Bookkeeping.isColumn(c.name())) {
                targetCols.put(c.name(), c);
            }
        }
        Source src = sqliteSource ? sqlite(source, table) : postgres(source, table);
        if (src.columns.isEmpty()) {
            problems.add("the source has no table " + table.qualifiedName());
        }
        if (targetCols.isEmpty()) {
            problems.add("the target has no table \"" + table.table() + "\" (has the sink applied anything yet?)");
        }
        List<Col> cols = new ArrayList<>();
        List<Integer> key = new ArrayList<>();
        boolean sameCollations = !sqliteSource;
        for (Source.Column sc : src.columns) {
            if (Bookkeeping.isColumn(sc.name)) {
                continue; // a source that is itself a Tributary target (the way back after a cutover)
            }
            Catalog.PgColumn tc = targetCols.get(sc.name);
            if (tc == null) {
                if (!targetCols.isEmpty()) {
                    problems.add("the target table has no column \"" + sc.name + "\" of the source");
                }
                continue;
            }
            TargetType type = TargetType.of(tc.udt());
            if (src.key.contains(sc.name)) {
                sameCollations &= !type.collated() || java.util.Objects.equals(sc.collation, tc.collation());
            }
            Double tolerance = type.numeric() ? options.tolerance(table.table(), sc.name) : null;
            cols.add(new Col(sc.name, type, tc.sqlType(), sc.type, sc.cast, tolerance));
        }
        for (String k : src.key) {
            int i = indexOf(cols, k);
            if (i >= 0) {
                key.add(i);
            }
        }
        if (problems.isEmpty() && key.isEmpty()) {
            problems.add("the source table has no primary key to order rows by");
        }
        if (timeColumn != null && indexOf(cols, timeColumn) < 0) {
            problems.add("the window's time column \"" + timeColumn + "\" is not a compared column");
        }
        return new TablePlan(service, table, table.table(), sqliteSource, cols, key.stream().mapToInt(Integer::intValue).toArray(),
                softDelete, timeColumn, !sameCollations, problems);
    }

    private static int indexOf(List<Col> cols, String name) {
        for (int i = 0; i < cols.size(); i++) {
            if (cols.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** The source table's columns and key, read from its catalog. */
    private record Source(List<Column> columns, List<String> key) {
        record Column(String name, String type, String cast, String collation) {
        }
    }

    private static Source sqlite(Connection c, TableRef t) throws SQLException {
        List<Source.Column> cols = new ArrayList<>();
        java.util.TreeMap<Integer, String> pk = new java.util.TreeMap<>();
        for (Catalog.SqliteColumn sc : Catalog.sqliteColumns(c, t.table())) {
            cols.add(new Source.Column(sc.name(), sc.declared(), null, null));
            if (sc.pkOrder() > 0) {
                pk.put(sc.pkOrder(), sc.name());
            }
        }
        if (!cols.isEmpty() && pk.isEmpty()) {
            cols.add(0, new Source.Column(ROWID, "INTEGER", null, null));
            pk.put(1, ROWID);
        }
        return new Source(cols, List.copyOf(pk.values()));
    }

    private static Source postgres(Connection c, TableRef t) throws SQLException {
        String relation = quote(t.schema()) + "." + quote(t.table());
        List<Source.Column> cols = new ArrayList<>();
        for (Catalog.PgColumn pc : Catalog.postgresColumns(c, relation)) {
            cols.add(new Source.Column(pc.name(), pc.udt(), pc.sqlType(), pc.collation()));
        }
        return new Source(cols, Catalog.postgresKey(c, relation));
    }

    static String quote(String identifier) {
        return Identifiers.quote(identifier);
    }
}
