package io.tributary.capture.sqlite.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tailer's pin begun on a fully checkpointed WAL holds SQLite's read lock 0 (read mark 0). It must
 * still protect every frame the decoder has not read: SQLite copies frames into the database only while it
 * holds read lock 0 exclusively, so no checkpoint can back-fill under the pin, and the WAL can restart at
 * most once (a restart needs everything back-filled). Here another process commits and checkpoints in all
 * four modes after every transaction while the pin is held and the decoder does not poll; then the decoder
 * must read every transaction, with no gap, and the replay must equal the database.
 */
class ReadMarkZeroTest {
    @TempDir
    Path dir;

    @Test
    void aPinBegunOnAFullyCheckpointedWalLosesNothing() throws Exception {
        int transactions = 120;
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)");
            db.exec("WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 200) INSERT INTO t SELECT x, 'v' || x, x FROM s");
            try (Statement s = db.c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "the WAL is fully checkpointed and truncated before the pin");
            }
            SqliteWalFixture.Replay replay = new SqliteWalFixture.Replay();
            replay.tables.put("t", new java.util.HashMap<>(db.select("t", List.of("rowid"))));
            try (Connection pin = DriverManager.getConnection("jdbc:sqlite:" + db.path);
                 FileChannel shm = FileChannel.open(dir.resolve("app.db-shm"), StandardOpenOption.READ)) {
                pin.setAutoCommit(false);
                try (Statement s = pin.createStatement()) {
                    s.executeQuery("SELECT count(*) FROM sqlite_schema").close(); // the read transaction: mark 0
                }
                ShmHeader h = ShmHeader.read(shm);
                assertEquals(h.nBackfill(), h.mxFrame(), "the pin began on a fully checkpointed WAL, so it holds read lock 0");
                try (WalDecoder d = WalDecoder.openAtEnd(db.path)) {
                    Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                            System.getProperty("java.class.path"), CheckpointingWriter.class.getName(), db.path.toString(), String.valueOf(transactions))
                            .redirectErrorStream(true).redirectOutput(dir.resolve("writer.log").toFile()).start();
                    assertTrue(writer.waitFor(2, TimeUnit.MINUTES), "the writer finished");
                    String log = read(dir.resolve("writer.log"));
                    assertEquals(0, writer.exitValue(), () -> "writer failed: " + log);
                    assertTrue(log.contains("checkpoints=" + transactions), "the writer checkpointed after every transaction: " + log);
                    List<WalTransaction> txs = new ArrayList<>(d.poll()); // throws WalGapException on any gap
                    txs.forEach(replay::apply);
                    int nonEmpty = Integer.parseInt(log.replaceAll("(?s).*nonempty=(\\d+).*", "$1").trim());
                    assertTrue(nonEmpty > transactions / 2, log);
                    assertEquals(nonEmpty, txs.size(), "every committed transaction that changed a row is decoded");
                }
                pin.rollback();
            }
            SqliteWalFixture.assertTable(db.select("t", List.of("rowid")), replay.table("t"), "t");
        }
    }

    private static String read(Path p) throws java.io.IOException {
        return java.nio.file.Files.exists(p) ? java.nio.file.Files.readString(p) : "";
    }

    /** The other process: one transaction at a time, each followed by a checkpoint, in turn PASSIVE, FULL, RESTART, TRUNCATE. */
    public static final class CheckpointingWriter {
        private static final String[] MODES = {"PASSIVE", "FULL", "RESTART", "TRUNCATE"};

        public static void main(String[] args) throws Exception {
            int transactions = Integer.parseInt(args[1]);
            Random rnd = new Random(7);
            int checkpoints = 0;
            int busy = 0;
            int nonEmpty = 0;
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + args[0]); Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 20");
                for (int i = 0; i < transactions; i++) {
                    c.setAutoCommit(false);
                    try (PreparedStatement ins = c.prepareStatement("INSERT INTO t (v, n) VALUES (?, ?)");
                         PreparedStatement upd = c.prepareStatement("UPDATE t SET v = v || ?, n = n + 1 WHERE id = ?");
                         PreparedStatement del = c.prepareStatement("DELETE FROM t WHERE id = ?")) {
                        int changed = 0;
                        for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
                            switch (rnd.nextInt(3)) {
                                case 0 -> {
                                    ins.setString(1, "x".repeat(rnd.nextInt(3000)));
                                    ins.setInt(2, i);
                                    changed += ins.executeUpdate();
                                }
                                case 1 -> {
                                    upd.setString(1, "u" + i);
                                    upd.setInt(2, 1 + rnd.nextInt(200 + i));
                                    changed += upd.executeUpdate();
                                }
                                default -> {
                                    del.setInt(1, 1 + rnd.nextInt(200 + i));
                                    changed += del.executeUpdate();
                                }
                            }
                        }
                        nonEmpty += changed > 0 ? 1 : 0; // a transaction that changed nothing writes no frame
                    }
                    c.commit();
                    c.setAutoCommit(true);
                    try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + MODES[i % 4] + ")")) {
                        rs.next();
                        busy += rs.getInt(1);
                        checkpoints++;
                    }
                }
            }
            System.out.println("checkpoints=" + checkpoints + " busy=" + busy + " nonempty=" + nonEmpty);
        }
    }
}
