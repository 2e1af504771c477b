package io.tributary.capture.sqlite.wal;

import io.tributary.schemas.event.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Matches a table's changed rows before and after a transaction by an equality key where no key order can be
 * merged: the declared PRIMARY KEY of a rowid table (its rows are stored by rowid, so a key given up by one row
 * may be taken by any other, anywhere in the tree), or the key of a WITHOUT ROWID table whose order the decoder
 * cannot reproduce (see {@link KeyOrder}). A key in both sets with other values is an update, in the before set
 * only a delete, in the after set only a create; the same values are no change. Deletes come first, then
 * updates, then creates, each key once.
 *
 * <p>Bounded memory: up to {@code spillRows} rows are held in memory (the fast path of every ordinary
 * transaction); beyond that every row goes to a temporary SQLite database in {@code spillDir} (through the
 * sqlite-jdbc driver already on the classpath), joined there by the encoded key and read back one row at a
 * time. The file is deleted on {@link #close}. Rows and keys are encoded so that equal bytes mean equal values
 * as {@link Arrays#deepEquals} sees them (doubles by bits, byte arrays by content, text char by char).
 */
final class KeyMatcher implements AutoCloseable {
    /** Receives the matched changes. */
    interface Out {
        void change(RowChange change) throws IOException;
    }

    private final TableDef def;
    private final int spillRows;
    private final Path spillDir;
    private Map<RowKey, Object[]> before = new LinkedHashMap<>();
    private Map<RowKey, Object[]> after = new LinkedHashMap<>();
    private Path file;
    private Connection spill;
    private PreparedStatement insertBefore;
    private PreparedStatement insertAfter;
    private int batched;

    /** Keys are the values of {@code def}'s declared PRIMARY KEY columns ({@code def.primaryKey}). */
    KeyMatcher(TableDef def, int spillRows, Path spillDir) {
        this.def = def;
        this.spillRows = spillRows;
        this.spillDir = spillDir;
    }

    /** Whether rows went to disk (for tests). */
    boolean spilled() {
        return spill != null;
    }

    void before(Object[] row) throws IOException {
        add(row, true);
    }

    void after(Object[] row) throws IOException {
        add(row, false);
    }

    private void add(Object[] row, boolean isBefore) throws IOException {
        if (spill == null) {
            (isBefore ? before : after).put(key(row), row);
            if (before.size() + after.size() > spillRows) {
                startSpill();
            }
            return;
        }
        insert(isBefore ? insertBefore : insertAfter, key(row).values, row);
    }

    /** Emits the matched changes: deletes, then updates, then creates. */
    void drain(Out out) throws IOException {
        if (spill == null) {
            drainMemory(out);
            return;
        }
        try {
            flush();
            spill.commit();
            try (Statement s = spill.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT k, v FROM b WHERE NOT EXISTS (SELECT 1 FROM a WHERE a.k = b.k)")) {
                    while (rs.next()) {
                        out.change(new RowChange(Op.DELETE, list(RowCodec.decode(rs.getBytes(1))), list(RowCodec.decode(rs.getBytes(2))), null));
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT b.k, b.v, a.v FROM b JOIN a ON a.k = b.k WHERE a.v <> b.v")) {
                    while (rs.next()) {
                        out.change(new RowChange(Op.UPDATE, list(RowCodec.decode(rs.getBytes(1))), list(RowCodec.decode(rs.getBytes(2))),
                                list(RowCodec.decode(rs.getBytes(3)))));
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT k, v FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.k = a.k)")) {
                    while (rs.next()) {
                        out.change(new RowChange(Op.CREATE, list(RowCodec.decode(rs.getBytes(1))), null, list(RowCodec.decode(rs.getBytes(2)))));
                    }
                }
            }
        } catch (SQLException e) {
            throw spillFailure(e);
        }
    }

    private void drainMemory(Out out) throws IOException {
        List<RowChange> updates = new java.util.ArrayList<>();
        for (Iterator<Map.Entry<RowKey, Object[]>> it = before.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<RowKey, Object[]> b = it.next();
            Object[] now = after.remove(b.getKey());
            if (now == null) {
                out.change(new RowChange(Op.DELETE, list(b.getKey().values), list(b.getValue()), null));
            } else if (!Arrays.deepEquals(b.getValue(), now)) {
                updates.add(new RowChange(Op.UPDATE, list(b.getKey().values), list(b.getValue()), list(now)));
            }
            it.remove();
        }
        for (RowChange u : updates) {
            out.change(u);
        }
        for (Map.Entry<RowKey, Object[]> a : after.entrySet()) {
            out.change(new RowChange(Op.CREATE, list(a.getKey().values), null, list(a.getValue())));
        }
        after.clear();
    }

    private RowKey key(Object[] row) {
        Object[] key = new Object[def.primaryKey.length];
        for (int i = 0; i < key.length; i++) {
            key[i] = row[def.primaryKey[i]];
        }
        return new RowKey(key);
    }

    private void startSpill() throws IOException {
        try {
            Files.createDirectories(spillDir);
            file = Files.createTempFile(spillDir, "tributary-spill-", ".db");
            spill = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = spill.createStatement()) {
                // a scratch file: no journal, no fsync; a crash leaves a file nobody reads (the transaction is decoded again)
                s.execute("PRAGMA journal_mode = OFF");
                s.execute("PRAGMA synchronous = OFF");
                s.execute("PRAGMA cache_size = -8192");
                s.execute("CREATE TABLE b (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
                s.execute("CREATE TABLE a (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
            }
            spill.setAutoCommit(false);
            insertBefore = spill.prepareStatement("INSERT OR REPLACE INTO b VALUES (?, ?)");
            insertAfter = spill.prepareStatement("INSERT OR REPLACE INTO a VALUES (?, ?)");
            for (Map.Entry<RowKey, Object[]> e : before.entrySet()) {
                insert(insertBefore, e.getKey().values, e.getValue());
            }
            for (Map.Entry<RowKey, Object[]> e : after.entrySet()) {
                insert(insertAfter, e.getKey().values, e.getValue());
            }
            before = Map.of();
            after = Map.of();
        } catch (SQLException e) {
            throw spillFailure(e);
        }
    }

    private void insert(PreparedStatement ps, Object[] key, Object[] row) throws IOException {
        try {
            ps.setBytes(1, RowCodec.encode(key));
            ps.setBytes(2, RowCodec.encode(row));
            ps.addBatch();
            if (++batched == 1000) {
                flush();
            }
        } catch (SQLException e) {
            throw spillFailure(e);
        }
    }

    private void flush() throws SQLException {
        insertBefore.executeBatch();
        insertAfter.executeBatch();
        batched = 0;
    }

    private IOException spillFailure(SQLException e) {
        return new IOException("cannot spill the changed rows of table " + def.name + " to " + (file != null ? file : spillDir)
                + " (a transaction too large to match in memory): " + e.getMessage()
                + "; give the capture a writable java.io.tmpdir with room for about twice the changed rows", e);
    }

    private static List<Object> list(Object[] values) {
        return Collections.unmodifiableList(Arrays.asList(values));
    }

    @Override
    public void close() throws IOException {
        try {
            if (spill != null) {
                spill.close();
            }
        } catch (SQLException e) {
            throw spillFailure(e);
        } finally {
            spill = null;
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }
}
