package io.tributary.capture.sqlite.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer thread commits while the decoder polls the same files, so polls meet half-written frames and
 * wal-index headers being updated. Every decoded commit must be whole and the replay must end equal to
 * the database.
 */
class WalConcurrentTest {
    @TempDir
    Path dir;

    @Test
    void decodesWhileAWriterCommits() throws Exception {
        int transactions = 400;
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)");
            SqliteWalFixture.Replay replay = new SqliteWalFixture.Replay();
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try (WalDecoder d = WalDecoder.open(db.path)) {
                Future<?> done = writer.submit(() -> {
                    write(db.path, transactions);
                    return null;
                });
                int seen = 0;
                int polls = 0;
                while (!done.isDone() || polls == 0) {
                    List<WalTransaction> txs = d.poll();
                    txs.forEach(replay::apply);
                    for (WalTransaction tx : txs) {
                        if (!tx.tables().isEmpty()) {
                            assertEquals(0, tx.tables().get(0).changes().size() % 5, "a transaction is decoded whole");
                        }
                    }
                    seen += txs.size();
                    polls++;
                }
                done.get(1, TimeUnit.MINUTES);
                List<WalTransaction> rest = d.poll();
                rest.forEach(replay::apply);
                seen += rest.size();
                assertEquals(transactions + 1, seen);
                assertTrue(polls > 1, "the decoder polled while the writer wrote");
                SqliteWalFixture.assertTable(db.select("t", List.of("rowid")), replay.table("t"), "t");
            } finally {
                writer.shutdownNow();
            }
        }
    }

    /** Each transaction inserts, updates or deletes exactly five rows. */
    private static void write(Path path, int transactions) throws Exception {
        Random rnd = new Random(5);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + path)) {
            try (java.sql.Statement s = c.createStatement()) {
                s.execute("PRAGMA wal_autocheckpoint=0");
            }
            c.setAutoCommit(false);
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO t (id, v, n) VALUES (?, ?, ?)");
                 PreparedStatement upd = c.prepareStatement("UPDATE t SET v = ?, n = n + 1 WHERE id = ?");
                 PreparedStatement del = c.prepareStatement("DELETE FROM t WHERE id = ?")) {
                long next = 1;
                long oldest = 1;
                for (int i = 0; i < transactions; i++) {
                    int kind = next - oldest < 50 ? 0 : rnd.nextInt(3);
                    for (int k = 0; k < 5; k++) {
                        if (kind == 0) {
                            ins.setLong(1, next++);
                            ins.setString(2, "v".repeat(rnd.nextInt(3000)));
                            ins.setLong(3, 0);
                            ins.executeUpdate();
                        } else if (kind == 1) {
                            upd.setString(1, "u" + i + "-" + k + "x".repeat(rnd.nextInt(200)));
                            upd.setLong(2, oldest + k);
                            upd.executeUpdate();
                        } else {
                            del.setLong(1, oldest++);
                            del.executeUpdate();
                        }
                    }
                    c.commit();
                }
            }
        }
    }
}
