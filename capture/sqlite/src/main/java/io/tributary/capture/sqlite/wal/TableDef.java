package io.tributary.capture.sqlite.wal;

import java.util.ArrayList;
import java.util.List;

/**
 * A table as the decoder sees it, parsed from its {@code CREATE TABLE} in {@code sqlite_schema}: its stored
 * columns in declaration order (VIRTUAL generated columns are not stored and are left out), how a record's
 * fields map to them, and its keys. It carries everything a table's shape in the contract needs (names,
 * declared types, NOT NULL, primary key, constant defaults), so the capture reads the schema once, from
 * the WAL, at the position of the rows it describes.
 *
 * <p>Rowid tables are stored by the rowid; their INTEGER PRIMARY KEY column, if any, is stored as NULL in the
 * record and takes the rowid. A rowid table with another declared PRIMARY KEY (a TEXT key, a composite key)
 * is stored by rowid but keyed by its declared key in the change output, since that is the key of its events
 * ({@link #keyedByDeclaredKey()}). WITHOUT ROWID tables are keyed by their PRIMARY KEY columns; their records
 * hold the key columns first (in key order), then the other stored columns in declaration order.
 */
public final class TableDef {
    final String name;
    final int rootPage;
    final String sql;
    final boolean withoutRowid;
    final List<ColumnDef> columns;
    /** Index in {@link #columns} of the INTEGER PRIMARY KEY (rowid alias), or -1. */
    final int rowidColumn;
    /** Indexes in {@link #columns} of the declared PRIMARY KEY, in key order; empty when there is none. */
    final int[] primaryKey;
    /** Indexes in {@link #columns} of the key columns of a WITHOUT ROWID table, in key order; empty otherwise. */
    final int[] keyColumns;
    final boolean[] keyDescending;
    /** Record field i holds column {@code recordToColumn[i]}. */
    final int[] recordToColumn;
    private final List<String> columnNames;

    TableDef(String name, int rootPage, String sql, boolean withoutRowid, List<ColumnDef> columns, int rowidColumn,
             int[] primaryKey, boolean[] keyDescending) {
        this.name = name;
        this.rootPage = rootPage;
        this.sql = sql;
        this.withoutRowid = withoutRowid;
        this.columns = List.copyOf(columns);
        this.rowidColumn = rowidColumn;
        this.primaryKey = primaryKey;
        this.keyColumns = withoutRowid ? primaryKey : new int[0];
        this.keyDescending = withoutRowid ? keyDescending : new boolean[0];
        int[] map = new int[columns.size()];
        int n = 0;
        if (withoutRowid) {
            boolean[] isKey = new boolean[columns.size()];
            for (int k : keyColumns) {
                map[n++] = k;
                isKey[k] = true;
            }
            for (int c = 0; c < columns.size(); c++) {
                if (!isKey[c]) {
                    map[n++] = c;
                }
            }
        } else {
            for (int c = 0; c < columns.size(); c++) {
                map[n++] = c;
            }
        }
        this.recordToColumn = map;
        this.columnNames = this.columns.stream().map(ColumnDef::name).toList();
    }

    /** The table's name as declared. */
    public String name() {
        return name;
    }

    /** The {@code CREATE TABLE} text SQLite keeps; two definitions with the same text have the same shape. */
    public String sql() {
        return sql;
    }

    /** The stored columns in declaration order. */
    public List<ColumnDef> columns() {
        return columns;
    }

    /** The declared PRIMARY KEY's column names in key order (an INTEGER PRIMARY KEY too); empty when there is none. */
    public List<String> primaryKey() {
        List<String> names = new ArrayList<>(primaryKey.length);
        for (int k : primaryKey) {
            names.add(columns.get(k).name());
        }
        return List.copyOf(names);
    }

    /** The INTEGER PRIMARY KEY column, an alias of the rowid (SQLite gives it a value when an INSERT leaves it out), or null. */
    public String rowidAlias() {
        return rowidColumn < 0 ? null : columns.get(rowidColumn).name();
    }

    /** The stored columns' names, in the order of a {@link RowChange}'s images. */
    public List<String> columnNames() {
        return columnNames;
    }

    /**
     * The key's column names, what {@link RowChange#key()} holds: the declared PRIMARY KEY of a WITHOUT ROWID
     * table or of a rowid table whose key is not the rowid, else the single name "rowid".
     */
    List<String> keyNames() {
        return withoutRowid || keyedByDeclaredKey() ? primaryKey() : List.of("rowid");
    }

    /**
     * A rowid table with a declared PRIMARY KEY other than an INTEGER PRIMARY KEY: its rows are stored (and
     * found in the b-tree) by rowid, but a change of its key columns changes the row's identity, so changes
     * are matched and keyed by the declared key, not the rowid.
     */
    boolean keyedByDeclaredKey() {
        return !withoutRowid && rowidColumn < 0 && primaryKey.length > 0;
    }

    int columnIndex(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equalsIgnoreCase(column)) {
                return i;
            }
        }
        return -1;
    }
}
