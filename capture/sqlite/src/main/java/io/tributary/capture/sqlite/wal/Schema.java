package io.tributary.capture.sqlite.wal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tables of one view, read from {@code sqlite_schema} (the table b-tree rooted at page 1).
 *
 * <p>Only ordinary tables are decoded: views, indexes, triggers, virtual tables (root page 0) and SQLite's
 * internal {@code sqlite_*} tables (e.g. {@code sqlite_sequence}, {@code sqlite_stat1}) are left out.
 * Table names are matched case-insensitively, as SQLite does.
 */
final class Schema {
    private static final TableDef SCHEMA_TABLE;

    static {
        List<ColumnDef> cols = new ArrayList<>();
        for (String n : new String[] {"type", "name", "tbl_name", "rootpage", "sql"}) {
            cols.add(new ColumnDef(n, "", SqliteTypes.Affinity.BLOB, false, null, null, "BINARY", false));
        }
        SCHEMA_TABLE = new TableDef("sqlite_schema", 1, "", false, cols, -1, new int[0], new boolean[0]);
    }

    /** Null for a database without a header yet (an empty file and no page 1 in the WAL). */
    final DbFormat format;
    final Map<String, TableDef> tables;
    /** Pages of the sqlite_schema tree as (page, parent) pairs. */
    final int[] pages;

    private Schema(DbFormat format, Map<String, TableDef> tables, int[] pages) {
        this.format = format;
        this.tables = tables;
        this.pages = pages;
    }

    static Schema read(PageView view) throws IOException {
        DbFormat format = DbFormat.read(view.page(1));
        if (format == null) {
            return new Schema(null, Map.of(), new int[0]);
        }
        Map<String, TableDef> tables = new TreeMap<>();
        List<Object[]> rows = new ArrayList<>();
        int[][] pages = {new int[16]};
        int[] n = {0};
        new TreeWalker(view, format).walk(1, PageOwners.ROOT, true, SCHEMA_TABLE, p -> true, new TreeWalker.Sink() {
            @Override
            public void page(int pgno, int parent) {
                if (n[0] + 2 > pages[0].length) {
                    pages[0] = java.util.Arrays.copyOf(pages[0], pages[0].length * 2);
                }
                pages[0][n[0]++] = pgno;
                pages[0][n[0]++] = parent;
            }

            @Override
            public void row(Object key, Object[] values) {
                rows.add(values);
            }
        });
        for (Object[] r : rows) {
            if ("table".equals(r[0]) && r[1] instanceof String name && r[3] instanceof Long root && root > 0
                    && r[4] instanceof String sql && !name.toLowerCase(Locale.ROOT).startsWith("sqlite_")) {
                tables.put(key(name), CreateTableParser.parse(name, (int) (long) root, sql));
            }
        }
        return new Schema(format, Collections.unmodifiableMap(tables), java.util.Arrays.copyOf(pages[0], n[0]));
    }

    TableDef table(String name) {
        return tables.get(key(name));
    }

    static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
