package io.tributary.ops;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * An application writing to a PostgreSQL source on a thread of its own, one small transaction at a time
 * (paced, so the pipeline on the same machine keeps up). What a transaction does is a {@link Step}; the
 * default one inserts a row, updates a random one and deletes a random one of each table given.
 */
final class Workload implements AutoCloseable {
    /** The statements of one transaction; {@code done} is how many transactions committed before it. */
    interface Step {
        void run(Statement s, long done) throws SQLException;
    }

    private final Thread thread;
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;

    /** {@code tables} each have columns (id bigint PRIMARY KEY, v text); existing ids are 1..{@code existing}, inserts above them. */
    Workload(String url, long existing, String... tables) {
        this(url, Duration.ofMillis(5), insertUpdateDelete(existing, tables));
    }

    /** Runs {@code step} in a transaction of its own over and over, {@code pace} apart, until closed. */
    Workload(String url, Duration pace, Step step) {
        this.thread = new Thread(() -> run(url, pace, step), "workload");
        thread.setDaemon(true);
        thread.start();
    }

    private static Step insertUpdateDelete(long existing, String[] tables) {
        AtomicLong next = new AtomicLong(existing + 1_000_000);
        return (s, done) -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (String t : tables) {
                long id = next.getAndIncrement();
                s.execute("INSERT INTO " + t + " VALUES (" + id + ", 'new')");
                s.execute("UPDATE " + t + " SET v = 'u" + id + "' WHERE id = " + random.nextLong(1, existing + 1));
                s.execute("DELETE FROM " + t + " WHERE id = " + random.nextLong(1, existing + 1));
            }
        };
    }

    private void run(String url, Duration pace, Step step) {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            while (running) {
                step.run(s, transactions.get());
                c.commit();
                transactions.incrementAndGet();
                LockSupport.parkNanos(pace.toNanos()); // pacing the application, not waiting for anything
            }
        } catch (Throwable e) {
            failure.set(e);
        }
    }

    long transactions() {
        return transactions.get();
    }

    boolean failed() {
        return failure.get() != null;
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
