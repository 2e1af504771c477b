package io.tributary.ops.reconcile;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.TableMapping;
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
     * @param name       its name in the target
     * @param source     its name in the source (another where the service's mapping renames it)
     * @param sourceType the source's own type: PostgreSQL's udt name, or SQLite's declared type
     * @param sourceCast the source's full type for casts (PostgreSQL), null for SQLite
     */
    record Col(String name, String source, TargetType type, String targetCast, String sourceType, String sourceCast, Double tolerance) {
    }

    List<String> keyNames() {
        List<String> out = new ArrayList<>();
        for (int k : key) {
            out.add(columns.get(k).name());
        }
        return out;
    }

    /**
     * Reads both catalogs; {@code timeColumn} is the window's column (a target name), or null. A table the service
     * maps ({@link TableMapping}) is compared in the target's terms: each kept source column against its target
     * column, ordered by the target key, which the mapping's start-up check proved unique in the source.
     */
    static TablePlan of(PipelineConfig.Service service, TableRef table, boolean sqliteSource, Connection source, Connection target,
                        ReconcileOptions options, String timeColumn) throws SQLException {
        List<String> problems = new ArrayList<>();
        String targetTable = service.targetTable(table);
        TableMapping mapping = service.mapping(table).orElse(null);
        Map<String, Catalog.PgColumn> targetCols = new LinkedHashMap<>();
        boolean softDelete = false;
        for (Catalog.PgColumn c : Catalog.postgresColumns(target, quote(targetTable))) {
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
            problems.add("the target has no table \"" + targetTable + "\" (has the sink applied anything yet?)");
        }
        List<Col> cols = new ArrayList<>();
        Map<String, String> collations = new java.util.HashMap<>();
        for (Source.Column sc : src.columns) {
            if (Bookkeeping.isColumn(sc.name)) {
                continue; // a source that is itself a Tributary target (the way back after a cutover)
            }
            String name = mapping == null ? sc.name : mapping.targetColumn(sc.name).orElse(null);
            Catalog.PgColumn tc = name == null ? null : targetCols.get(name);
            if (tc == null) {
                if (name != null && !targetCols.isEmpty()) {
                    problems.add("the target table has no column \"" + name + "\"" + (name.equals(sc.name) ? "" : " (the source's \"" + sc.name + "\"")
                            + " of the source");
                }
                continue;
            }
            TargetType type = TargetType.of(tc.udt());
            collations.put(name, java.util.Objects.equals(sc.collation, tc.collation()) || !type.collated() ? "same" : "differ");
            Double tolerance = type.numeric() ? options.tolerance(targetTable, name) : null;
            cols.add(new Col(name, sc.name, type, tc.sqlType(), sc.type, sc.cast, tolerance));
        }
        List<String> keyNames = mapping != null && !mapping.keepsSourceKey() ? mapping.key()
                : src.key.stream().map(k -> mapping == null ? k : mapping.targetColumn(k).orElse(k)).toList();
        List<Integer> key = new ArrayList<>();
        boolean sameCollations = !sqliteSource;
        for (String k : keyNames) {
            int i = indexOf(cols, k);
            if (i >= 0) {
                key.add(i);
                sameCollations &= "same".equals(collations.get(k));
            }
        }
        if (problems.isEmpty() && key.isEmpty()) {
            problems.add("the source table has no primary key to order rows by");
        }
        if (timeColumn != null && indexOf(cols, timeColumn) < 0) {
            problems.add("the window's time column \"" + timeColumn + "\" is not a compared column");
        }
        return new TablePlan(service.name(), table, targetTable, sqliteSource, cols, key.stream().mapToInt(Integer::intValue).toArray(),
                softDelete, timeColumn, !sameCollations, problems);
    }

    /** The compared column the window's time column is (it names a target column). */
    Col timeCol() {
        return columns.get(indexOf(columns, timeColumn));
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
