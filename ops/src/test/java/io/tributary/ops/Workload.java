package io.tributary.ops;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * An application writing to a PostgreSQL source on a thread of its own, one small transaction at a time
 * (paced, so the pipeline on the same machine keeps up): each inserts a row, updates a random one and deletes
 * a random one of each table given, ids above {@code firstNewId} for the inserts.
 */
final class Workload implements AutoCloseable {
    private final Thread thread;
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;

    /** {@code tables} each have columns (id bigint PRIMARY KEY, v text); existing ids are 1..{@code existing}. */
    Workload(String url, long existing, String... tables) {
        this.thread = new Thread(() -> run(url, existing, tables), "workload");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String url, long existing, String[] tables) {
        long next = existing + 1_000_000;
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (running) {
                for (String t : tables) {
                    s.execute("INSERT INTO " + t + " VALUES (" + next++ + ", 'new')");
                    s.execute("UPDATE " + t + " SET v = 'u" + next + "' WHERE id = " + random.nextLong(1, existing + 1));
                    s.execute("DELETE FROM " + t + " WHERE id = " + random.nextLong(1, existing + 1));
                }
                c.commit();
                transactions.incrementAndGet();
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos()); // pacing the application, not waiting for anything
            }
        } catch (Throwable e) {
            failure.set(e);
        }
    }

    long transactions() {
        return transactions.get();
    }

    /** Stops writing; throws what the writer failed with, if anything. */
    @Override
    public void close() throws Exception {
        running = false;
        thread.join(30_000);
        if (failure.get() != null) {
            throw new IllegalStateException("the workload failed: " + failure.get(), failure.get());
        }
    }
}
