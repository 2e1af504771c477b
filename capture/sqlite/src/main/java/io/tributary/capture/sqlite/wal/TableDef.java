package io.tributary.capture.sqlite.wal;

import java.util.ArrayList;
import java.util.List;

/**
 * A table as the decoder sees it: its stored columns in declaration order (VIRTUAL generated columns are
 * not stored and are left out), how a record's fields map to them, and its key.
 *
 * <p>Rowid tables are keyed by the rowid; their INTEGER PRIMARY KEY column, if any, is stored as NULL in the
 * record and takes the rowid. WITHOUT ROWID tables are keyed by their PRIMARY KEY columns; their records
 * hold the key columns first (in key order), then the other stored columns in declaration order.
 */
final class TableDef {
    final String name;
    final int rootPage;
    final String sql;
    final boolean withoutRowid;
    final List<ColumnDef> columns;
    /** Index in {@link #columns} of the INTEGER PRIMARY KEY (rowid alias), or -1. */
    final int rowidColumn;
    /** Indexes in {@link #columns} of the key columns of a WITHOUT ROWID table, in key order; empty otherwise. */
    final int[] keyColumns;
    final boolean[] keyDescending;
    /** Record field i holds column {@code recordToColumn[i]}. */
    final int[] recordToColumn;

    TableDef(String name, int rootPage, String sql, boolean withoutRowid, List<ColumnDef> columns, int rowidColumn,
             int[] keyColumns, boolean[] keyDescending) {
        this.name = name;
        this.rootPage = rootPage;
        this.sql = sql;
        this.withoutRowid = withoutRowid;
        this.columns = List.copyOf(columns);
        this.rowidColumn = rowidColumn;
        this.keyColumns = keyColumns;
        this.keyDescending = keyDescending;
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
    }

    List<String> columnNames() {
        List<String> names = new ArrayList<>(columns.size());
        for (ColumnDef c : columns) {
            names.add(c.name());
        }
        return List.copyOf(names);
    }

    /** The key's column names: the PRIMARY KEY of a WITHOUT ROWID table, else the single name "rowid". */
    List<String> keyNames() {
        if (!withoutRowid) {
            return List.of("rowid");
        }
        List<String> names = new ArrayList<>(keyColumns.length);
        for (int k : keyColumns) {
            names.add(columns.get(k).name());
        }
        return List.copyOf(names);
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
