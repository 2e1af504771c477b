package io.tributary.capture.sqlite.wal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

/**
 * A measurement run by hand, in a JVM of its own with the heap to try (docs/sqlite-wal.md, Limits): decodes
 * one transaction of ROWS inserted rows, then a VACUUM, from a real SQLite file; prints the rows decoded and
 * exits 0, or dies of OutOfMemoryError. Usage: {@code java -XmxN -cp TEST_CLASSPATH
 * io.tributary.capture.sqlite.wal.LargeTransactionDecode DIR ROWS}.
 */
public final class LargeTransactionDecode {
    private LargeTransactionDecode() {
    }

    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]).resolve("large.db");
        int rows = Integer.parseInt(args[1]);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA wal_autocheckpoint = 0");
            s.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, run TEXT, step INTEGER, value REAL)");
            try (WalDecoder d = WalDecoder.open(db)) {
                d.poll();
                s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + rows + ")"
                        + " INSERT INTO m SELECT i, 'run-' || (i % 100), i, i * 0.5 FROM n");
                long decoded = count(d.poll());
                System.out.println("insert rows decoded: " + decoded);
                s.execute("DELETE FROM m WHERE id % 2 = 0");
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
            try (WalDecoder d = WalDecoder.open(db)) {
                d.poll();
                s.execute("VACUUM");
                System.out.println("vacuum rows decoded: " + count(d.poll()));
            }
        }
    }

    private static long count(List<WalTransaction> txs) {
        return txs.stream().flatMap(t -> t.tables().stream()).mapToLong(t -> t.changes().size()).sum();
    }
}
