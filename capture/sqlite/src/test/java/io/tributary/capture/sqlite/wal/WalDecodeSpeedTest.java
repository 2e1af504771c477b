package io.tributary.capture.sqlite.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints decode throughput for an insert-heavy transaction and for many small transactions against a
 * larger table. A measurement, not an assertion on speed: only the row counts are checked.
 */
class WalDecodeSpeedTest {
    @TempDir
    Path dir;

    @Test
    void insertHeavyTransaction() throws Exception {
        int rows = 300_000;
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE e (id INTEGER PRIMARY KEY, name TEXT, score REAL, n INTEGER, payload BLOB)");
            try (WalDecoder d = WalDecoder.openAtEnd(db.path)) {
                db.c.setAutoCommit(false);
                long t0;
                long ns;
                List<WalTransaction> txs;
                for (int round = 0; round < 3; round++) {
                    insert(db, round * rows, rows);
                    db.c.commit();
                    t0 = System.nanoTime();
                    txs = d.poll();
                    ns = System.nanoTime() - t0;
                    assertEquals(rows, txs.get(0).tables().get(0).changes().size());
                    System.out.printf("WAL decode, one transaction of %d inserts (round %d): %.0f ms, %.0f rows/s%n", rows,
                            round, ns / 1e6, rows / (ns / 1e9));
                }
                int small = 500;
                for (int i = 0; i < small; i++) {
                    db.update("UPDATE e SET score = ? WHERE id = ?", 1000 + i * 1.5, (long) (i * 397 % rows + 1));
                    db.c.commit();
                }
                t0 = System.nanoTime();
                txs = d.poll();
                ns = System.nanoTime() - t0;
                assertEquals(small, txs.size());
                System.out.printf("WAL decode, %d one-row updates on a %d-row table: %.0f ms, %.0f tx/s%n", small, 3 * rows,
                        ns / 1e6, small / (ns / 1e9));
            }
        }
    }

    private static void insert(SqliteWalFixture db, int from, int count) throws Exception {
        try (PreparedStatement ps = db.c.prepareStatement("INSERT INTO e VALUES (?, ?, ?, ?, ?)")) {
            for (int i = from; i < from + count; i++) {
                ps.setLong(1, i + 1);
                ps.setString(2, "experiment-" + i);
                ps.setDouble(3, i * 0.25);
                ps.setLong(4, i * 7919L);
                ps.setBytes(5, new byte[] {(byte) i, (byte) (i >> 8), 1, 2});
                ps.executeUpdate();
            }
        }
    }
}
