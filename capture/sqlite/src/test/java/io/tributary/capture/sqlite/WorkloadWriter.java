package io.tributary.capture.sqlite;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;

/**
 * The application for tailer tests, run in its own process: random transactions of random size (some
 * rolled back) of inserts, updates and deletes over a rowid table with every storage class (64-bit
 * extremes, whole-number REALs, BLOBs, TEXT large enough to overflow), an INTEGER PRIMARY KEY table, a
 * WITHOUT ROWID table, and two ordinary tables keyed by a declared key (TEXT, composite) whose keys are
 * changed, swapped and deleted and reused within transactions, checkpointing now and then in all four modes, with SQLite's default auto-checkpoint.
 *
 * <p>Usage: {@code WorkloadWriter DB SEED OPERATIONS create|checkpoint|auto|nocheckpoint}: {@code checkpoint}
 * also checkpoints explicitly in random modes, {@code auto} leaves it to SQLite's auto-checkpoint, and
 * {@code nocheckpoint} turns auto-checkpoint off and never checkpoints.
 */
public final class WorkloadWriter {
    static final String[] SCHEMA = {
        "CREATE TABLE items (name TEXT, qty INTEGER, price REAL, data BLOB, note TEXT)",
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, balance REAL)",
        "CREATE TABLE tags (k TEXT NOT NULL, v INTEGER NOT NULL, label TEXT, PRIMARY KEY (k, v)) WITHOUT ROWID",
        "CREATE TABLE users (email TEXT PRIMARY KEY, name TEXT, logins INTEGER)",
        "CREATE TABLE memberships (user_id INTEGER NOT NULL, team TEXT NOT NULL, role TEXT, PRIMARY KEY (user_id, team))"};

    private WorkloadWriter() {
    }

    public static void main(String[] args) throws Exception {
        String db = args[0];
        Random r = new Random(Long.parseLong(args[1]));
        int operations = Integer.parseInt(args[2]);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA busy_timeout = 2000");
                if (args[3].equals("nocheckpoint")) {
                    s.execute("PRAGMA wal_autocheckpoint = 0");
                }
                if (args[3].equals("create")) {
                    for (String ddl : SCHEMA) {
                        s.execute(ddl);
                    }
                }
            }
            c.setAutoCommit(false);
            int done = 0;
            while (done < operations) {
                int size = 1 + r.nextInt(r.nextInt(10) == 0 ? 200 : 12);
                for (int i = 0; i < size; i++) {
                    operation(c, r);
                }
                if (r.nextInt(10) == 0) {
                    c.rollback();
                } else {
                    c.commit();
                }
                done += size;
                if (args[3].equals("checkpoint") && r.nextInt(40) == 0) {
                    checkpoint(c, r);
                }
            }
        }
    }

    private static void checkpoint(Connection c, Random r) throws SQLException {
        String mode = new String[] {"PASSIVE", "FULL", "RESTART", "TRUNCATE"}[r.nextInt(4)];
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(" + mode + ")");
        }
        c.setAutoCommit(false);
    }

    private static void operation(Connection c, Random r) throws SQLException {
        switch (r.nextInt(14)) {
            case 0, 1 -> exec(c, "INSERT INTO items VALUES (?, ?, ?, ?, ?)", text(r), integer(r), real(r), blob(r), note(r));
            case 2 -> exec(c, "UPDATE items SET qty = ?, price = ?, note = ? WHERE rowid = (SELECT rowid FROM items ORDER BY random() LIMIT 1)",
                    integer(r), real(r), note(r));
            case 3 -> exec(c, "DELETE FROM items WHERE rowid = (SELECT rowid FROM items ORDER BY random() LIMIT 1)");
            case 4 -> exec(c, "INSERT OR REPLACE INTO accounts VALUES (?, ?, ?)", (long) r.nextInt(500), "o" + r.nextInt(99), real(r));
            case 5 -> exec(c, "DELETE FROM accounts WHERE id = ?", (long) r.nextInt(500));
            case 6 -> exec(c, "INSERT OR REPLACE INTO tags VALUES (?, ?, ?)", "k" + r.nextInt(30), (long) r.nextInt(20), note(r));
            case 7 -> exec(c, "DELETE FROM tags WHERE k = ?", "k" + r.nextInt(30));
            case 8 -> exec(c, "UPDATE accounts SET balance = balance + 1.5 WHERE id % 7 = ?", (long) r.nextInt(7));
            default -> declaredKey(c, r);
        }
    }

    /** Key changes on the ordinary tables with a declared key: a key moved, two swapped, one deleted and reused. */
    private static void declaredKey(Connection c, Random r) throws SQLException {
        String x = "u" + r.nextInt(40) + "@example.org";
        String y = "u" + r.nextInt(40) + "@example.org";
        long user = r.nextInt(8);
        String team = "t" + r.nextInt(5);
        switch (r.nextInt(7)) {
            case 0 -> exec(c, "INSERT OR REPLACE INTO users VALUES (?, ?, ?)", x, text(r), integer(r));
            case 1 -> exec(c, "UPDATE OR IGNORE users SET email = ? WHERE email = ?", x, y);
            case 2 -> {
                exec(c, "UPDATE OR IGNORE users SET email = '~' WHERE email = ?", x);
                exec(c, "UPDATE OR IGNORE users SET email = ? WHERE email = ?", x, y);
                exec(c, "UPDATE OR IGNORE users SET email = ? WHERE email = '~'", y);
            }
            case 3 -> {
                exec(c, "DELETE FROM users WHERE email = ?", x);
                exec(c, "UPDATE OR IGNORE users SET email = ?, logins = 1 WHERE email = ?", x, y);
            }
            case 4 -> exec(c, "INSERT OR REPLACE INTO memberships VALUES (?, ?, ?)", user, team, note(r));
            case 5 -> exec(c, "UPDATE OR IGNORE memberships SET team = ? WHERE user_id = ?", team, user);
            default -> {
                exec(c, "DELETE FROM memberships WHERE user_id = ? AND team = ?", user, team);
                exec(c, "UPDATE OR IGNORE memberships SET user_id = ?, team = ? WHERE user_id = ?", user, team, (long) r.nextInt(8));
            }
        }
    }

    private static void exec(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }

    private static String text(Random r) {
        return r.nextInt(20) == 0 ? null : "t" + r.nextInt(1_000_000) + (r.nextBoolean() ? "ü✓" : "");
    }

    private static Object integer(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> Long.MIN_VALUE;
            case 1 -> Long.MAX_VALUE;
            case 2 -> null;
            default -> r.nextLong() >> r.nextInt(60);
        };
    }

    private static Object real(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> (double) r.nextInt(100); // a whole-number REAL, stored as an integer by SQLite
            case 1 -> null;
            default -> r.nextGaussian() * 1e6;
        };
    }

    private static byte[] blob(Random r) {
        byte[] b = new byte[r.nextInt(40)];
        r.nextBytes(b);
        return b;
    }

    private static String note(Random r) {
        return r.nextInt(8) == 0 ? "x".repeat(5000 + r.nextInt(20000)) : "n" + r.nextInt(100);
    }
}
