package io.tributary.ops.local.demo;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The experiments application writing while the demo runs: training steps append metric rows, checkpoints
 * are promoted and pruned, experiments finish; small transactions in WAL mode, with SQLite's default
 * auto-checkpoint, as the application would.
 */
final class SqliteLiveWorkload implements Runnable {
    private final Path database;
    private final long untilMillis;
    private final AtomicLong rowChanges = new AtomicLong();
    private volatile Exception failure;

    SqliteLiveWorkload(Path database, long durationMillis) {
        this.database = database;
        this.untilMillis = System.currentTimeMillis() + durationMillis;
    }

    long rowChanges() {
        return rowChanges.get();
    }

    Exception failure() {
        return failure;
    }

    @Override
    public void run() {
        Random r = new Random(11);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
            }
            c.setAutoCommit(false);
            int step = 1_000_000;
            while (System.currentTimeMillis() < untilMillis) {
                try (PreparedStatement m = c.prepareStatement("INSERT INTO experiment_metrics VALUES (strftime('%Y-%m-%d %H:%M:%f', 'now'), ?, ?, ?, ?, ?)");
                     Statement s = c.createStatement()) {
                    for (int i = 0; i < 20; i++) {
                        m.setInt(1, 1 + r.nextInt(10));
                        m.setString(2, i % 2 == 0 ? "loss" : "sharpe");
                        m.setDouble(3, r.nextGaussian());
                        m.setInt(4, ++step);
                        m.setInt(5, step / 100);
                        m.addBatch();
                    }
                    int n = m.executeBatch().length;
                    n += s.executeUpdate("UPDATE model_checkpoints SET is_production = 1 - is_production, sharpe_ratio = sharpe_ratio + 0.01 WHERE id = "
                            + (1 + r.nextInt(30)));
                    if (r.nextInt(10) == 0) {
                        n += s.executeUpdate("DELETE FROM experiment_metrics WHERE rowid IN (SELECT rowid FROM experiment_metrics ORDER BY rowid LIMIT 5)");
                        n += s.executeUpdate("UPDATE experiments SET status = 'done' WHERE id = " + (1 + r.nextInt(10)));
                    }
                    c.commit();
                    rowChanges.addAndGet(n);
                }
                Thread.sleep(20);
            }
        } catch (SQLException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
