package io.tributary.capture.sqlite.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A database written through sqlite-jdbc in WAL mode with automatic checkpoints off, so every committed
 * frame stays in the -wal file for the decoder to read directly; plus a replay model of the decoded changes.
 */
final class SqliteWalFixture implements AutoCloseable {
    final Path path;
    final Connection c;

    SqliteWalFixture(Path dir, String... createPragmas) throws SQLException {
        this.path = dir.resolve("app.db");
        this.c = DriverManager.getConnection("jdbc:sqlite:" + path);
        exec(createPragmas);
        exec("PRAGMA journal_mode=WAL", "PRAGMA wal_autocheckpoint=0");
    }

    void exec(String... sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    /** Runs one statement with bound parameters (Long, Double, String, byte[] or null). */
    void update(String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    /** Every row of a table as SQLite returns it, keyed like the decoder: [rowid] or the key columns. */
    Map<List<Object>, Object[]> select(String table, List<String> keyColumns) throws SQLException {
        boolean rowid = keyColumns.equals(List.of("rowid"));
        Map<List<Object>, Object[]> rows = new HashMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + (rowid ? "rowid, " : "") + "* FROM \"" + table + "\"")) {
            int n = rs.getMetaData().getColumnCount();
            List<String> names = new ArrayList<>();
            for (int i = rowid ? 2 : 1; i <= n; i++) {
                names.add(rs.getMetaData().getColumnName(i));
            }
            while (rs.next()) {
                Object[] row = new Object[names.size()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = normal(rs.getObject(i + (rowid ? 2 : 1)));
                }
                List<Object> key = new ArrayList<>();
                if (rowid) {
                    key.add(normal(rs.getObject(1)));
                } else {
                    for (String k : keyColumns) {
                        key.add(row[names.indexOf(k)]);
                    }
                }
                rows.put(key, row);
            }
        }
        return rows;
    }

    static Object normal(Object v) {
        return v instanceof Integer i ? (Object) (long) i : v;
    }

    @Override
    public void close() throws SQLException {
        c.close();
    }

    /** Decoded changes replayed onto maps; every before image is checked against the replayed row. */
    static final class Replay {
        final Map<String, Map<List<Object>, Object[]>> tables = new HashMap<>();

        void apply(WalTransaction tx) {
            for (TableChanges t : tx.tables()) {
                Map<List<Object>, Object[]> rows = tables.computeIfAbsent(t.table(), k -> new HashMap<>());
                for (RowChange ch : t.changes()) {
                    Object[] was = rows.get(ch.key());
                    switch (ch.op()) {
                        case CREATE -> {
                            assertNull(was, () -> "create of an existing key " + ch.key() + " in " + t.table());
                            assertNull(ch.before());
                            rows.put(ch.key(), ch.after().toArray());
                        }
                        case UPDATE -> {
                            assertRow(was, ch.before().toArray(), "before image of " + ch.key() + " in " + t.table());
                            rows.put(ch.key(), ch.after().toArray());
                        }
                        case DELETE -> {
                            assertRow(was, ch.before().toArray(), "before image of deleted " + ch.key() + " in " + t.table());
                            assertNull(ch.after());
                            rows.remove(ch.key());
                        }
                        default -> throw new AssertionError(ch.op());
                    }
                }
            }
        }

        Map<List<Object>, Object[]> table(String name) {
            return tables.getOrDefault(name, Map.of());
        }
    }

    static void assertRow(Object[] expected, Object[] actual, String what) {
        if (expected == null) {
            throw new AssertionError(what + ": no such row, decoded " + Arrays.deepToString(actual));
        }
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] instanceof byte[] e) {
                assertArrayEquals(e, (byte[]) actual[i], what + " column " + i);
            } else if (expected[i] instanceof Double e) {
                assertEquals(Double.doubleToRawLongBits(e), Double.doubleToRawLongBits((Double) actual[i]),
                        what + " column " + i + ": " + e + " vs " + actual[i]);
            } else {
                assertEquals(expected[i], actual[i], what + " column " + i);
            }
        }
    }

    static void assertTable(Map<List<Object>, Object[]> expected, Map<List<Object>, Object[]> actual, String table) {
        assertEquals(expected.keySet(), actual.keySet(), "keys of " + table);
        for (Map.Entry<List<Object>, Object[]> e : expected.entrySet()) {
            assertRow(e.getValue(), actual.get(e.getKey()), table + " row " + e.getKey());
        }
    }
}
