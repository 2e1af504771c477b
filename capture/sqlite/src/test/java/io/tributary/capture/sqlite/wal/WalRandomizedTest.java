package io.tributary.capture.sqlite.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random transactions (inserts, updates, deletes, range deletes, overflowing values, rollbacks) over a rowid
 * table with an INTEGER PRIMARY KEY, a rowid table without one, a WITHOUT ROWID table, and two ordinary
 * (rowid) tables keyed by a declared PRIMARY KEY, one TEXT and one composite, whose keys are updated, swapped
 * within a transaction, and deleted and reused (the decoder must key their changes by the declared key, not
 * by the rowid: a key change is a delete of the old key and a create of the new one). After every
 * commit the decoded transaction, replayed onto a model whose before images must match, has to equal
 * {@code SELECT *} of every table; the incrementally kept page owners must equal a fresh walk; and at the
 * end a decoder reading the whole WAL from the start must replay to the same final state.
 */
class WalRandomizedTest {
    private static final Map<String, List<String>> KEYS = Map.of("r", List.of("rowid"), "p", List.of("rowid"),
            "w", List.of("k", "n"), "e", List.of("email"), "l", List.of("a", "b"));
    private static final long[] INTS = {0, 1, -1, 127, -128, 32767, -32768, 8388607, -8388608, Integer.MAX_VALUE,
        Integer.MIN_VALUE, 140737488355327L, -140737488355328L, Long.MAX_VALUE, Long.MIN_VALUE};
    private static final double[] REALS = {3.0, -0.0, 0.0, 1e300, -1e-300, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, 9007199254740992.0, 9.223372036854775807E18, -9.223372036854775808E18, 0.5};

    @TempDir
    Path dir;

    /**
     * Seed; page size 512 (deep trees, long overflow chains), 65536 (stored as 1) or the default; auto-vacuum;
     * rows matched by declared key in memory before they spill to a temporary SQLite file (3: most
     * transactions of the declared-key tables go through the spill).
     */
    @ParameterizedTest
    @CsvSource({"1, 4096, NONE, 10000", "42, 512, NONE, 10000", "20240611, 65536, NONE, 10000", "-7, 1024, FULL, 10000",
        "5, 1024, NONE, 3"})
    void replayOfDecodedChangesEqualsTheDatabase(long seed, int pageSize, String autoVacuum, int spillRows) throws Exception {
        Random rnd = new Random(seed);
        int ops = 0;
        int decoded = 0;
        try (SqliteWalFixture db = new SqliteWalFixture(dir, "PRAGMA page_size=" + pageSize,
                "PRAGMA auto_vacuum=" + autoVacuum)) {
            assertEquals((long) pageSize, db.select("pragma_page_size", List.of("page_size")).keySet().iterator().next().get(0));
            assertEquals(autoVacuum.equals("FULL") ? 1L : 0L,
                    db.select("pragma_auto_vacuum", List.of("auto_vacuum")).keySet().iterator().next().get(0));
            db.exec("CREATE TABLE r (id INTEGER PRIMARY KEY, t TEXT, i INTEGER, x REAL, b BLOB, u)",
                    "CREATE TABLE p (name TEXT, qty INTEGER, price REAL)",
                    "CREATE TABLE w (k TEXT, n INTEGER, v, big TEXT, PRIMARY KEY (k, n)) WITHOUT ROWID",
                    "CREATE TABLE e (email TEXT PRIMARY KEY, name TEXT, n INTEGER)",
                    "CREATE TABLE l (a INTEGER NOT NULL, b TEXT NOT NULL, v, PRIMARY KEY (a, b))");
            SqliteWalFixture.Replay replay = new SqliteWalFixture.Replay();
            Path spillDir = java.nio.file.Files.createDirectories(dir.resolve("spill"));
            try (WalDecoder d = WalDecoder.open(db.path)) {
                d.spill(spillRows, spillDir);
                d.poll().forEach(replay::apply);
                db.c.setAutoCommit(false);
                while (ops < 2000) {
                    int size = rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(150) : 1 + rnd.nextInt(6);
                    for (int i = 0; i < size; i++, ops++) {
                        operation(db, rnd);
                    }
                    boolean rollback = rnd.nextInt(10) == 0;
                    if (rollback) {
                        db.c.rollback();
                    } else {
                        db.c.commit();
                    }
                    List<WalTransaction> txs = d.poll();
                    assertTrue(txs.size() <= (rollback ? 0 : 1), () -> txs.size() + " transactions for one commit");
                    txs.forEach(replay::apply);
                    decoded += txs.size();
                    assertSameAsDatabase(db, replay);
                    assertTrue(d.ownersConsistent(), "page owners drifted from a fresh walk");
                    try (var left = java.nio.file.Files.list(spillDir)) {
                        assertEquals(0, left.count(), "spill files are deleted after each transaction");
                    }
                }
            }
            try (WalDecoder fresh = WalDecoder.open(db.path)) {
                SqliteWalFixture.Replay all = new SqliteWalFixture.Replay();
                List<WalTransaction> txs = fresh.poll();
                txs.forEach(all::apply);
                assertEquals(decoded + 5, txs.size(), "the five CREATE TABLEs and every transaction decoded");
                assertSameAsDatabase(db, all);
            }
        }
    }

    private static void assertSameAsDatabase(SqliteWalFixture db, SqliteWalFixture.Replay replay) throws SQLException {
        for (Map.Entry<String, List<String>> t : KEYS.entrySet()) {
            SqliteWalFixture.assertTable(db.select(t.getKey(), t.getValue()), replay.table(t.getKey()), t.getKey());
        }
    }

    private static void operation(SqliteWalFixture db, Random rnd) throws SQLException {
        switch (rnd.nextInt(20)) {
            case 0, 1, 2 -> db.update("INSERT INTO r (t, i, x, b, u) VALUES (?, ?, ?, ?, ?)", text(rnd), integer(rnd),
                    real(rnd), blob(rnd), any(rnd));
            case 3 -> db.update("UPDATE r SET " + List.of("t", "i", "x", "b", "u").get(rnd.nextInt(5)) + " = ? WHERE id = ?",
                    any(rnd), existing(db, "r", "id", rnd));
            case 4 -> db.update("UPDATE r SET t = ?, x = ? WHERE id = ?", text(rnd), real(rnd), existing(db, "r", "id", rnd));
            case 5 -> db.update("DELETE FROM r WHERE id = ?", existing(db, "r", "id", rnd));
            case 6 -> {
                long from = existing(db, "r", "id", rnd);
                db.update("DELETE FROM r WHERE id BETWEEN ? AND ?", from, from + rnd.nextInt(40));
            }
            case 7 -> db.update("INSERT INTO p VALUES (?, ?, ?)", text(rnd), integer(rnd), real(rnd));
            case 8 -> db.update(rnd.nextBoolean() ? "UPDATE p SET qty = qty + 1 WHERE rowid = ?" : "DELETE FROM p WHERE rowid = ?",
                    existing(db, "p", "rowid", rnd));
            case 9, 10 -> db.update("INSERT OR REPLACE INTO w VALUES (?, ?, ?, ?)", "k" + rnd.nextInt(60), (long) rnd.nextInt(5),
                    any(rnd), rnd.nextInt(8) == 0 ? large(rnd) : text(rnd));
            case 11 -> db.update(rnd.nextBoolean() ? "DELETE FROM w WHERE k = ?" : "UPDATE w SET v = n WHERE k = ?",
                    "k" + rnd.nextInt(60));
            default -> declaredKeyOperation(db, rnd);
        }
    }

    /** Changes of the ordinary tables keyed by a declared PRIMARY KEY: key updates, swaps, delete and reuse. */
    private static void declaredKeyOperation(SqliteWalFixture db, Random rnd) throws SQLException {
        String x = email(rnd);
        String y = email(rnd);
        long a = rnd.nextInt(6);
        String b = "b" + rnd.nextInt(6);
        switch (rnd.nextInt(8)) {
            case 0 -> db.update("INSERT OR IGNORE INTO e VALUES (?, ?, ?)", x, text(rnd), integer(rnd));
            case 1 -> db.update("UPDATE OR IGNORE e SET email = ? WHERE email = ?", x, y);
            case 2 -> { // swap two keys
                db.update("UPDATE OR IGNORE e SET email = '~swap' WHERE email = ?", x);
                db.update("UPDATE OR IGNORE e SET email = ? WHERE email = ?", x, y);
                db.update("UPDATE OR IGNORE e SET email = ? WHERE email = '~swap'", y);
            }
            case 3 -> { // delete a key and give it to another row (the lost 'x')
                db.update("DELETE FROM e WHERE email = ?", x);
                db.update("UPDATE OR IGNORE e SET email = ?, n = n + 1 WHERE email = ?", x, y);
            }
            case 4 -> { // delete and insert the same key again: a new rowid
                db.update("DELETE FROM e WHERE email = ?", x);
                db.update("INSERT INTO e VALUES (?, ?, ?)", x, rnd.nextBoolean() ? "same" : text(rnd), 1L);
            }
            case 5 -> db.update("INSERT OR REPLACE INTO l VALUES (?, ?, ?)", a, b, any(rnd));
            case 6 -> {
                if (rnd.nextBoolean()) {
                    db.update("UPDATE OR IGNORE l SET b = ? WHERE a = ?", b, a);
                } else {
                    db.update("UPDATE OR IGNORE l SET a = a + 1 WHERE b = ?", b);
                }
            }
            default -> {
                db.update("DELETE FROM l WHERE a = ? AND b = ?", a, b);
                db.update("UPDATE OR IGNORE l SET a = ?, b = ? WHERE a = ?", a, b, (long) rnd.nextInt(6));
            }
        }
    }

    private static String email(Random rnd) {
        return rnd.nextInt(10) == 0 ? "ü" + rnd.nextInt(5) + "@☃" : "u" + rnd.nextInt(30) + "@x";
    }

    /** A key of a random existing row, or an absent one when the table is empty. */
    private static long existing(SqliteWalFixture db, String table, String key, Random rnd) throws SQLException {
        try (Statement s = db.c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            int n = rs.getInt(1);
            if (n == 0) {
                return 1;
            }
            try (ResultSet k = s.executeQuery("SELECT " + key + " FROM " + table + " ORDER BY " + key + " LIMIT 1 OFFSET "
                    + rnd.nextInt(n))) {
                return k.getLong(1);
            }
        }
    }

    private static Object any(Random rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> null;
            case 1 -> integer(rnd);
            case 2 -> real(rnd);
            case 3 -> blob(rnd);
            default -> text(rnd);
        };
    }

    private static Long integer(Random rnd) {
        return rnd.nextInt(3) == 0 ? INTS[rnd.nextInt(INTS.length)] : rnd.nextLong() >> rnd.nextInt(64);
    }

    private static Double real(Random rnd) {
        if (rnd.nextInt(3) == 0) {
            return REALS[rnd.nextInt(REALS.length)];
        }
        if (rnd.nextBoolean()) {
            return (double) (rnd.nextInt(2000) - 1000);
        }
        double d;
        do {
            d = Double.longBitsToDouble(rnd.nextLong());
        } while (Double.isNaN(d));
        return d;
    }

    private static byte[] blob(Random rnd) {
        byte[] b = new byte[rnd.nextInt(20) == 0 ? 3000 + rnd.nextInt(20000) : rnd.nextInt(40)];
        rnd.nextBytes(b);
        return b;
    }

    private static String text(Random rnd) {
        return rnd.nextInt(25) == 0 ? large(rnd) : chars(rnd, rnd.nextInt(40));
    }

    private static String large(Random rnd) {
        return chars(rnd, 2000 + rnd.nextInt(25000));
    }

    private static String chars(Random rnd, int n) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789éüß☃中文";
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            if (rnd.nextInt(50) == 0) {
                b.appendCodePoint(0x1F600 + rnd.nextInt(50));
            } else {
                b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
        }
        return b.toString();
    }
}
