package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.schemas.event.TableRef;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * {@code bin/tributary bench sqlite --restart PERCENT}: what a restart of capture-sqlite costs when the
 * application changed {@code PERCENT} of the rows and checkpointed (TRUNCATE) while it was down, so that
 * continuity cannot be proven: a resync (this version) against a new snapshot (before resyncs existed), on
 * the experiment_metrics reference table. For each: the time from start to streaming and the events written,
 * which is also what the transform and every sink have to process afterwards.
 */
public final class RestartBench {
    private RestartBench() {
    }

    /** What one restart cost. */
    private record Restart(double seconds, long events) {
    }

    public static String run(String kafka, String registryUrl, Path dir, int rows, double percent) throws Exception {
        Path db = dir.resolve("restart.db");
        SqliteBench.loadReferenceTable(db, rows);
        int changes = (int) Math.round(rows * percent / 100);
        Restart resync = restart(kafka, registryUrl, db, rows, changes, 0, false);
        Restart snapshot = restart(kafka, registryUrl, db, rows, changes, rows / 2, true);
        return String.format("rows=%,d, changed while down=%,d (60%% updates, 20%% deletes, 20%% inserts), then a TRUNCATE checkpoint%n"
                        + "  resync (this version):   %6.2f s to streaming  %,10d events%n"
                        + "  new snapshot (before):   %6.2f s to streaming  %,10d events%n",
                rows, changes, resync.seconds(), resync.events(), snapshot.seconds(), snapshot.events());
    }

    /** A capture of its own (new topics) snapshots {@code db}, stops; the application changes rows and checkpoints; the capture restarts. */
    private static Restart restart(String kafka, String registryUrl, Path db, int rows, int changes, int from, boolean snapshotOnly) throws Exception {
        TableRef table = new TableRef("restart" + Long.toHexString(System.nanoTime()), "main", "experiment_metrics");
        SqliteTailer first = SqliteBench.tailer(kafka, registryUrl, db, table, new SimpleMeterRegistry());
        Thread ft = runUntilStreaming(first);
        first.close();
        ft.join(30_000);
        change(db, rows, changes, from);
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        SqliteTailer second = SqliteBench.tailer(kafka, registryUrl, db, table, metrics);
        if (snapshotOnly) {
            second.snapshotOnly();
        }
        long t0 = System.nanoTime();
        Thread t = runUntilStreaming(second);
        double seconds = (System.nanoTime() - t0) / 1e9;
        second.close();
        t.join(30_000);
        long events = metrics.find("tributary.capture.events").counters().stream().mapToLong(c -> (long) c.count()).sum();
        return new Restart(seconds, events);
    }

    /** Starts the tailer on a thread of its own and returns it once the tailer streams (call close on the tailer, then join). */
    private static Thread runUntilStreaming(SqliteTailer tailer) throws InterruptedException {
        Thread t = new Thread(tailer, "bench-tailer");
        t.start();
        while (!tailer.streaming() && tailer.failure() == null) {
            Thread.sleep(2);
        }
        if (tailer.failure() != null) {
            throw new IllegalStateException("the bench's capture stopped: " + tailer.failure(), tailer.failure());
        }
        return t;
    }

    /**
     * {@code changes} rows changed in transactions of 1 to 250 rows, spread over the table (ids by a stride
     * coprime to its size, from {@code from}): 60% updated, 20% deleted, 20% inserted; then a TRUNCATE checkpoint.
     */
    private static void change(Path db, int rows, int changes, int from) throws SQLException {
        java.util.Random random = new java.util.Random(changes);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             PreparedStatement update = c.prepareStatement("UPDATE experiment_metrics SET metric_value = metric_value + 1 WHERE id = ?");
             PreparedStatement delete = c.prepareStatement("DELETE FROM experiment_metrics WHERE id = ?");
             PreparedStatement insert = c.prepareStatement("INSERT INTO experiment_metrics VALUES (?, '2025-01-02 00:00:00.000', 7, 'acc', 0.5, 1, 0)")) {
            long next;
            try (var rs = s.executeQuery("SELECT max(id) + 1 FROM experiment_metrics")) {
                next = rs.getLong(1);
            }
            int done = 0;
            while (done < changes) {
                c.setAutoCommit(false);
                for (int n = Math.min(1 + random.nextInt(250), changes - done); n > 0; n--, done++) {
                    long id = 1 + (from + (long) done * 7919) % rows;
                    PreparedStatement ps = done % 5 < 3 ? update : done % 5 == 3 ? delete : insert;
                    ps.setLong(1, ps == insert ? next++ : id);
                    ps.executeUpdate();
                }
                c.commit();
            }
            c.setAutoCommit(true);
            s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)").close();
        }
    }
}
