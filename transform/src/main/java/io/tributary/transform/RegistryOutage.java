package io.tributary.transform;

import java.time.Duration;

/**
 * The schema registry failures of one service's stream threads, for the uncaught-exception handler: each
 * failure gets a capped, doubling backoff before its thread is replaced, until the failures have gone on for
 * {@code registry.retry-for}. An outage ends when no failure has come for {@link #QUIET}; the next failure
 * then starts a new one with a short backoff. Thread-safe.
 */
final class RegistryOutage {
    /** Longer than the longest gap between two failures of one outage (the client's own 30 s retry plus a backoff). */
    static final Duration QUIET = Duration.ofMinutes(2);
    private static final long FIRST_BACKOFF_MS = 500;
    private static final long MAX_BACKOFF_MS = 10_000;
    private final Duration retryFor;
    private long since;
    private long last;
    private long backoff;

    RegistryOutage(Duration retryFor) {
        this.retryFor = retryFor;
    }

    /** Records a failure at {@code now}: the backoff before replacing the thread, or -1 once the outage has lasted retry-for. */
    synchronized long failed(long now) {
        if (since == 0 || now - last > QUIET.toMillis()) {
            since = now;
            backoff = FIRST_BACKOFF_MS;
        }
        last = now;
        if (now - since >= retryFor.toMillis()) {
            return -1;
        }
        long b = backoff;
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        return b;
    }

    /** Waits {@code millis} on the failing stream thread before it is replaced. */
    void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
