package io.tributary.ops;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A reader of the target on a thread of its own, counting a table's rows over and over at a reader's pace, so
 * that a test can tell whether the table was ever seen with fewer rows ({@link #lowest}) while a re-snapshot ran.
 */
final class TargetReader implements AutoCloseable {
    final AtomicLong polls = new AtomicLong();
    final AtomicLong lowest = new AtomicLong(Long.MAX_VALUE);
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;

    TargetReader(String url, String table) {
        thread = new Thread(() -> {
            try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
                while (running) {
                    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
                        rs.next();
                        lowest.accumulateAndGet(rs.getLong(1), Math::min);
                        polls.incrementAndGet();
                    }
                    LockSupport.parkNanos(Duration.ofMillis(10).toNanos()); // a reader's pace
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "reader");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
