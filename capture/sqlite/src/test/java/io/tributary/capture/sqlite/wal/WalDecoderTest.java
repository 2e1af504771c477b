package io.tributary.capture.sqlite.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.schemas.event.Op;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalDecoderTest {
    @TempDir
    Path dir;

    private static String big(char c, int n) {
        char[] a = new char[n];
        Arrays.fill(a, c);
        a[n - 1] = 'z';
        return new String(a);
    }

    private static List<TableChanges> only(List<WalTransaction> txs) {
        assertEquals(1, txs.size(), () -> "transactions at " + txs.stream().map(WalTransaction::position).toList());
        return txs.get(0).tables();
    }

    @Test
    void insertUpdateDeleteOnARowidTableWithEveryType() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE t (name TEXT, n INTEGER, r REAL, b BLOB, u)");
            try (WalDecoder d = WalDecoder.open(db.path)) {
                assertTrue(d.poll().get(0).tables().isEmpty(), "CREATE TABLE changes no rows");
                byte[] blob = {0, 1, 2, (byte) 0xff};
                String large = big('x', 20_000);
                db.c.setAutoCommit(false);
                db.update("INSERT INTO t VALUES (?, ?, ?, ?, ?)", "héllo ☃ \uD83D\uDE00", Long.MIN_VALUE, 3.0, blob, -0.0);
                db.update("INSERT INTO t VALUES (?, ?, ?, ?, ?)", large, Long.MAX_VALUE, -0.0, new byte[0], 0.1);
                db.update("INSERT INTO t VALUES (?, ?, ?, ?, ?)", null, 0L, 1e300, null, 7L);
                db.c.commit();
                List<TableChanges> ins = only(d.poll());
                assertEquals(1, ins.size());
                TableChanges t = ins.get(0);
                assertEquals("t", t.table());
                assertEquals(List.of("name", "n", "r", "b", "u"), t.columns());
                assertEquals(List.of("rowid"), t.keyColumns());
                assertEquals(3, t.changes().size());
                RowChange r1 = t.changes().get(0);
                assertEquals(Op.CREATE, r1.op());
                assertEquals(List.of(1L), r1.key());
                assertNull(r1.before());
                assertEquals("héllo ☃ \uD83D\uDE00", r1.after().get(0));
                assertEquals(Long.MIN_VALUE, r1.after().get(1));
                assertEquals(Double.valueOf(3.0), r1.after().get(2), "whole REAL stored as an integer comes back as Double");
                assertArrayEquals(blob, (byte[]) r1.after().get(3));
                assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) r1.after().get(4)),
                        "-0.0 in a column without affinity keeps its sign");
                RowChange r2 = t.changes().get(1);
                assertEquals(large, r2.after().get(0));
                assertEquals(Long.MAX_VALUE, r2.after().get(1));
                assertArrayEquals(new byte[0], (byte[]) r2.after().get(3));
                assertEquals(0.1, r2.after().get(4));
                assertEquals(Arrays.asList(null, 0L, 1e300, null, 7L), t.changes().get(2).after());
                assertEquals(db.select("t", List.of("rowid")).get(List.of(2L))[2], r2.after().get(2),
                        "REAL -0.0 decodes as SQLite returns it");

                db.update("UPDATE t SET n = n - 1, name = ? WHERE rowid = 2", large + "!");
                db.update("DELETE FROM t WHERE rowid = 1");
                db.c.commit();
                List<RowChange> ch = only(d.poll()).get(0).changes();
                assertEquals(2, ch.size());
                assertEquals(Op.DELETE, ch.get(0).op());
                assertEquals(List.of(1L), ch.get(0).key());
                assertEquals(Long.MIN_VALUE, ch.get(0).before().get(1));
                assertNull(ch.get(0).after());
                assertEquals(Op.UPDATE, ch.get(1).op());
                assertEquals(large, ch.get(1).before().get(0));
                assertEquals(large + "!", ch.get(1).after().get(0));
                assertEquals(Long.MAX_VALUE - 1, ch.get(1).after().get(1));
                assertTrue(d.poll().isEmpty());
            }
        }
    }

    /**
     * A committed frame of a live WAL damaged on disk (the wal-index still counts it): the poll is a gap naming
     * the frame. It once ended the data silently, and the transactions from that frame on vanished.
     */
    @Test
    void aCorruptCommittedFrameInALiveWalIsAGap() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            try (WalDecoder d = WalDecoder.open(db.path)) {
                d.poll();
                db.exec("INSERT INTO t VALUES (1, 'one')", "INSERT INTO t VALUES (2, 'two')", "INSERT INTO t VALUES (3, 'three')");
                Path wal = Path.of(db.path + "-wal");
                int frameSize = 24 + 4096;
                long frames = (java.nio.file.Files.size(wal) - 32) / frameSize;
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(wal, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x5a}), 32 + (frames - 2) * frameSize + 24 + 4000);
                }
                WalGapException gap = assertThrows(WalGapException.class, d::poll);
                assertTrue(gap.getMessage().contains("committed WAL frame " + (frames - 1) + " "), gap::getMessage);
            }
        }
    }

    /**
     * An ordinary (rowid) table keyed by a declared TEXT PRIMARY KEY: its changes are keyed by that key, a key
     * change is a delete of the old key and a create of the new one, and a key given up and taken by another
     * row in the same transaction ends with the row that holds it (never a delete winning over it).
     */
    @Test
    void anOrdinaryTableIsKeyedByItsDeclaredKey() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE users (email TEXT PRIMARY KEY, name TEXT)",
                    "INSERT INTO users VALUES ('a', 'Ann'), ('x', 'Xavier'), ('y', 'Yves')");
            try (WalDecoder d = WalDecoder.open(db.path)) {
                d.poll();
                db.update("UPDATE users SET email = 'b' WHERE email = 'a'");
                TableChanges t = only(d.poll()).get(0);
                assertEquals(List.of("email"), t.keyColumns());
                assertEquals(2, t.changes().size(), () -> t.changes().toString());
                assertEquals(Op.DELETE, t.changes().get(0).op());
                assertEquals(List.of("a"), t.changes().get(0).key());
                assertEquals(List.of("a", "Ann"), t.changes().get(0).before());
                assertEquals(Op.CREATE, t.changes().get(1).op());
                assertEquals(List.of("b"), t.changes().get(1).key());
                assertEquals(List.of("b", "Ann"), t.changes().get(1).after());

                // rowid 2 ('x') is deleted while rowid 3 takes 'x': 'x' is updated to Yves's row, 'y' deleted
                db.c.setAutoCommit(false);
                db.update("DELETE FROM users WHERE email = 'x'");
                db.update("UPDATE users SET email = 'x' WHERE email = 'y'");
                db.c.commit();
                List<RowChange> ch = only(d.poll()).get(0).changes();
                assertEquals(2, ch.size(), ch::toString);
                assertEquals(Op.DELETE, ch.get(0).op());
                assertEquals(List.of("y"), ch.get(0).key());
                assertEquals(Op.UPDATE, ch.get(1).op());
                assertEquals(List.of("x"), ch.get(1).key());
                assertEquals(List.of("x", "Xavier"), ch.get(1).before());
                assertEquals(List.of("x", "Yves"), ch.get(1).after());

                // delete and insert the same row again (a new rowid): nothing changed by key
                db.update("DELETE FROM users WHERE email = 'b'");
                db.update("INSERT INTO users VALUES ('b', 'Ann')");
                db.c.commit();
                assertTrue(only(d.poll()).isEmpty(), "the same row under a new rowid is no change");
            }
        }
    }

    @Test
    void updateThatRewritesOnlyAnOverflowPageIsSeen() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)");
            String body = big('a', 20_000);
            db.update("INSERT INTO t VALUES (1, ?)", body);
            try (WalDecoder d = WalDecoder.openAtEnd(db.path)) {
                String changed = body.substring(0, 15_000) + "B" + body.substring(15_001);
                db.update("UPDATE t SET body = ? WHERE id = 1", changed);
                List<RowChange> ch = only(d.poll()).get(0).changes();
                assertEquals(1, ch.size());
                assertEquals(Op.UPDATE, ch.get(0).op());
                assertEquals(body, ch.get(0).before().get(1));
                assertEquals(changed, ch.get(0).after().get(1));
                assertTrue(d.ownersConsistent());
                long leaf = (Long) db.select("sqlite_schema", List.of("rowid")).values().stream()
                        .filter(r -> "t".equals(r[1])).findFirst().orElseThrow()[3];
                assertFalse(Arrays.stream(d.lastWritten).anyMatch(p -> p == leaf),
                        () -> "the leaf holding the row was rewritten, so this test does not exercise the overflow-only path: "
                                + Arrays.toString(d.lastWritten));
            }
        }
    }

    @Test
    void integerPrimaryKeyIsTheRowid() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO k VALUES (-5, 'a'), (9000000000, 'b')");
            try (WalDecoder d = WalDecoder.open(db.path)) {
                List<WalTransaction> txs = d.poll();
                assertEquals(2, txs.size());
                List<RowChange> ins = txs.get(1).tables().get(0).changes();
                assertEquals(List.of(-5L), ins.get(0).key());
                assertEquals(List.of(-5L, "a"), ins.get(0).after());
                assertEquals(List.of(9000000000L, "b"), ins.get(1).after());
                db.exec("UPDATE k SET id = 7 WHERE id = -5");
                List<RowChange> ch = only(d.poll()).get(0).changes();
                assertEquals(Op.DELETE, ch.get(0).op());
                assertEquals(List.of(-5L), ch.get(0).key());
                assertEquals(Op.CREATE, ch.get(1).op());
                assertEquals(List.of(7L, "a"), ch.get(1).after());
            }
        }
    }

    @Test
    void withoutRowidTableIsKeyedByItsPrimaryKeyInKeyOrder() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE w (v REAL, k TEXT COLLATE NOCASE, n INTEGER, note TEXT, PRIMARY KEY (k, n DESC)) WITHOUT ROWID");
            try (WalDecoder d = WalDecoder.open(db.path)) {
                d.poll();
                db.exec("INSERT INTO w VALUES (1, 'b', 1, 'x'), (2, 'A', 1, 'y'), (3, 'a', 2, 'z'), (4, 'c', 0, null)");
                TableChanges t = only(d.poll()).get(0);
                assertEquals(List.of("k", "n"), t.keyColumns());
                assertEquals(List.of("v", "k", "n", "note"), t.columns());
                List<List<Object>> keys = t.changes().stream().map(RowChange::key).toList();
                assertEquals(List.of(List.of("a", 2L), List.of("A", 1L), List.of("b", 1L), List.of("c", 0L)), keys);
                assertEquals(Arrays.asList(1.0, "b", 1L, "x"), t.changes().get(2).after());
                db.c.setAutoCommit(false);
                db.exec("UPDATE w SET note = 'big " + big('q', 9000) + "' WHERE k = 'b'", "DELETE FROM w WHERE k = 'c'");
                db.c.commit();
                List<RowChange> ch = only(d.poll()).get(0).changes();
                assertEquals(2, ch.size());
                assertEquals(Op.UPDATE, ch.get(0).op());
                assertEquals("x", ch.get(0).before().get(3));
                assertEquals(Op.DELETE, ch.get(1).op());
                assertEquals(List.of("c", 0L), ch.get(1).key());
            }
        }
    }

    @Test
    void rolledBackTransactionsProduceNothing() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'kept')", "PRAGMA cache_size = 10");
            try (WalDecoder d = WalDecoder.openAtEnd(db.path)) {
                db.c.setAutoCommit(false);
                for (int i = 0; i < 2000; i++) {
                    db.update("INSERT INTO t (v) VALUES (?)", big('r', 300));
                }
                db.update("UPDATE t SET v = 'gone' WHERE id = 1");
                db.c.rollback();
                db.update("INSERT INTO t VALUES (2, 'after')");
                db.c.commit();
                List<RowChange> ch = only(d.poll()).get(0).changes();
                assertEquals(1, ch.size(), () -> "changes " + ch.size());
                assertEquals(List.of(2L, "after"), ch.get(0).after());
                db.update("UPDATE t SET v = 'x'");
                db.c.rollback();
                assertTrue(d.poll().isEmpty());
            }
        }
    }

    @Test
    void addColumnDefaultFillsOldRecords() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'old')",
                    "ALTER TABLE t ADD COLUMN score REAL DEFAULT 2", "ALTER TABLE t ADD COLUMN tag TEXT DEFAULT 'none'");
            try (WalDecoder d = WalDecoder.open(db.path)) {
                List<WalTransaction> txs = d.poll();
                assertEquals(4, txs.size());
                assertTrue(txs.get(2).tables().isEmpty(), "ADD COLUMN changes no rows");
                db.exec("UPDATE t SET v = 'new' WHERE id = 1");
                RowChange u = only(d.poll()).get(0).changes().get(0);
                assertEquals(Arrays.asList(1L, "old", 2.0, "none"), u.before());
                assertEquals(Arrays.asList(1L, "new", 2.0, "none"), u.after());
                assertEquals(Arrays.asList(1L, "new", 2.0, "none"), Arrays.asList(db.select("t", List.of("rowid")).get(List.of(1L))));
            }
        }
    }

    @Test
    void walRestartStartsANewEpoch() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'a')");
            try (WalDecoder d = WalDecoder.open(db.path)) {
                List<WalTransaction> first = d.poll();
                assertEquals(2, first.size());
                db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
                db.exec("UPDATE t SET v = 'b' WHERE id = 1");
                List<WalTransaction> second = d.poll();
                assertEquals(1, second.size());
                WalPosition p1 = first.get(1).position();
                WalPosition p2 = second.get(0).position();
                assertFalse(p1.sameEpoch(p2));
                assertEquals(p1.checkpointSequence() + 1, p2.checkpointSequence());
                assertEquals(p1.salt1() + 1, p2.salt1());
                RowChange u = second.get(0).tables().get(0).changes().get(0);
                assertEquals(List.of(1L, "a"), u.before());
                assertEquals(List.of(1L, "b"), u.after());
            }
        }
    }

    @Test
    void checkpointedTransactionsCannotBeDecodedFromTheStart() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'a')",
                    "PRAGMA wal_checkpoint(PASSIVE)");
            assertThrows(WalGapException.class, () -> WalDecoder.open(db.path));
            try (WalDecoder d = WalDecoder.openAtEnd(db.path)) {
                assertTrue(d.poll().isEmpty());
                db.exec("INSERT INTO t VALUES (2, 'b')");
                List<RowChange> ch = only(d.poll()).get(0).changes();
                assertEquals(List.of(2L, "b"), ch.get(0).after());
            }
        }
    }

    @Test
    void aCheckpointOverUndecodedFramesIsAGapNotWrongData() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            try (WalDecoder d = WalDecoder.open(db.path)) {
                assertEquals(1, d.poll().size());
                db.exec("INSERT INTO t VALUES (1, 'a')", "PRAGMA wal_checkpoint(PASSIVE)");
                assertThrows(WalGapException.class, d::poll);
                assertThrows(IllegalStateException.class, d::poll);
            }
        }
    }

    /** The last committed frame damaged in a copy whose wal-index counts it: a gap, not a shorter WAL. */
    @Test
    void aCorruptLastCommittedFrameIsAGap() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'a')",
                    "INSERT INTO t VALUES (2, 'b')");
            Path copy = dir.resolve("copy");
            java.nio.file.Files.createDirectories(copy);
            for (String suffix : new String[] {"", "-wal", "-shm"}) {
                java.nio.file.Files.copy(Path.of(db.path + suffix), copy.resolve("app.db" + suffix));
            }
            Path wal = copy.resolve("app.db-wal");
            byte[] bytes = java.nio.file.Files.readAllBytes(wal);
            bytes[bytes.length - 100] ^= 0x55;
            java.nio.file.Files.write(wal, bytes);
            WalGapException gap = assertThrows(WalGapException.class, () -> WalDecoder.open(copy.resolve("app.db")).close());
            assertTrue(gap.getMessage().contains("checksum does not hold"), gap::getMessage);
            try (WalDecoder d = WalDecoder.open(db.path)) {
                assertEquals(3, d.poll().size());
            }
        }
    }

    @Test
    void droppedAndCreatedTables() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE a (v)", "INSERT INTO a VALUES ('x'), ('y')");
            try (WalDecoder d = WalDecoder.openAtEnd(db.path)) {
                db.c.setAutoCommit(false);
                db.exec("DROP TABLE a", "CREATE TABLE b (w)", "INSERT INTO b VALUES (" + Long.MIN_VALUE + ")");
                db.c.commit();
                List<TableChanges> t = only(d.poll());
                assertEquals(2, t.size());
                assertEquals("a", t.get(0).table());
                assertEquals(List.of(Op.DELETE, Op.DELETE), t.get(0).changes().stream().map(RowChange::op).toList());
                assertEquals("b", t.get(1).table());
                assertEquals(List.of(Long.MIN_VALUE), t.get(1).changes().get(0).after());
                assertTrue(d.ownersConsistent());
            }
        }
    }

    @Test
    void textInAUtf16Database() throws Exception {
        Path p = dir.resolve("u16.db");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + p);
             java.sql.Statement s = c.createStatement()) {
            s.execute("PRAGMA encoding = 'UTF-16le'");
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA wal_autocheckpoint=0");
            s.execute("CREATE TABLE t (v TEXT)");
            s.execute("INSERT INTO t VALUES ('ünï \uD83D\uDE00')");
            try (WalDecoder d = WalDecoder.open(p)) {
                List<WalTransaction> txs = d.poll();
                assertEquals("ünï \uD83D\uDE00", txs.get(txs.size() - 1).tables().get(0).changes().get(0).after().get(0));
            }
        }
    }
}
