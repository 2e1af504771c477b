package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Waits out the application's locks. A lock held by the application (its write transaction, its own
 * checkpoint, a recovery of the wal-index) is the normal state of a busy SQLite database, so SQLITE_BUSY
 * and SQLITE_LOCKED from one of the tailer's steps that need a lock (the snapshot's moment of
 * {@code BEGIN IMMEDIATE}, beginning a pin) are retried, after the connection's own busy timeout, with a
 * capped backoff, for as long as the tailer runs: never a reason to stop. Each failed attempt counts
 * {@code tributary.capture.lock.waits{source,step}}; a wait longer than {@value #WARN_AFTER_MS} ms is logged
 * as a warning (again every minute), and its end as "recovered".
 *
 * <p>Not retried: any other error. Not guaranteed: progress under an application that never lets go of its
 * write lock (the tailer then waits, and says so).
 */
final class LockWaits {
    private static final Logger log = LoggerFactory.getLogger(LockWaits.class);
    static final long WARN_AFTER_MS = 10_000;
    private static final long MAX_BACKOFF_MS = 1_000;

    /** One step that needs a lock of the database. */
    interface Step<T> {
        T run() throws SQLException;
    }

    private final String source;
    private final MeterRegistry metrics;
    private final BooleanSupplier running;

    LockWaits(String source, MeterRegistry metrics, BooleanSupplier running) {
        this.source = source;
        this.metrics = metrics;
        this.running = running;
    }

    /** Runs {@code step}, again and again while the database is locked by someone else; InterruptedException once the tailer stops. */
    <T> T retry(String what, Step<T> step) throws SQLException, InterruptedException {
        long started = System.currentTimeMillis();
        long warned = 0;
        long backoff = 10;
        Counter waits = metrics.counter("tributary.capture.lock.waits", "source", source, "step", what);
        while (true) {
            try {
                T result = step.run();
                if (warned > 0) {
                    log.info("recovered: the database lock was free again source={} step={} waited_ms={}", source, what,
                            System.currentTimeMillis() - started);
                }
                return result;
            } catch (SQLException e) {
                if (!locked(e)) {
                    throw e;
                }
                waits.increment();
                long waited = System.currentTimeMillis() - started;
                if (waited >= WARN_AFTER_MS && (warned == 0 || waited - warned >= 60_000)) {
                    warned = waited;
                    log.warn("waiting for the application's lock on the database source={} step={} waited_ms={} error={};"
                            + " the capture goes on once it is free (a long write transaction or checkpoint of the application holds it)",
                            source, what, waited, e.getMessage());
                }
                if (!running.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("stopped while waiting for the database lock (" + what + ")");
                }
                Thread.sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    /** SQLITE_BUSY or SQLITE_LOCKED, with or without an extended code (BUSY_RECOVERY, BUSY_SNAPSHOT...). */
    static boolean locked(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException s) {
                int primary = s.getResultCode().code & 0xff;
                if (primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code) {
                    return true;
                }
            } else if (t instanceof SQLException q && (q.getErrorCode() & 0xff) == SQLiteErrorCode.SQLITE_BUSY.code
                    && String.valueOf(q.getMessage()).contains("SQLITE_BUSY")) {
                return true;
            }
        }
        return false;
    }
}
