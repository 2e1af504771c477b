package io.tributary.common.kafka;

import io.micrometer.core.instrument.Counter;
import io.tributary.schemas.registry.RegistryException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits out a schema registry that does not answer (no answer, a 5xx, 408, 429: {@link RegistryException#retriable()})
 * for a capture: a capture that stopped would be restarted into the same outage (a crash loop), while its source
 * keeps every change meanwhile (the replication slot, the pinned SQLite WAL), so it waits however long,
 * retrying with a capped, doubling backoff, a warning and a count ({@code tributary.errors{kind=retriable}})
 * for each failed try, as the transform does for its readers ({@code RegistryOutage}). An answer that asking
 * again does not change (401, 403, 409 incompatible, 422) is thrown at once. {@link #close()} ends a wait.
 * Thread-safe.
 */
public final class RegistryWait implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RegistryWait.class);
    static final long FIRST_BACKOFF_MS = 500;
    static final long MAX_BACKOFF_MS = 10_000;
    private final String who;
    private final Counter failures;
    private final CountDownLatch closed = new CountDownLatch(1);

    /** @param who names the waiting capture in the warnings, e.g. {@code capture-postgres source=shop} */
    public RegistryWait(String who, Counter failures) {
        this.who = who;
        this.failures = failures;
    }

    /** No waiting: every failure is thrown at once (tools and tests that write events themselves). */
    public static RegistryWait none() {
        return new RegistryWait("", null);
    }

    /**
     * The result of {@code call}, retried while the registry is unreachable or failing.
     *
     * @throws RuntimeException the call's own failure when it is not a retriable registry failure, or after {@link #close()}
     */
    public <T> T call(String what, Supplier<T> call) {
        long backoff = FIRST_BACKOFF_MS;
        long since = 0;
        while (true) {
            try {
                T result = call.get();
                if (since != 0) {
                    log.info("{}: the schema registry answered again after {} s; {} done", who, (System.currentTimeMillis() - since) / 1000, what);
                }
                return result;
            } catch (RuntimeException e) {
                if (failures == null || RegistryException.in(e).filter(RegistryException::retriable).isEmpty() || closed.getCount() == 0) {
                    throw e;
                }
                if (since == 0) {
                    since = System.currentTimeMillis();
                }
                failures.increment();
                log.warn("{}: cannot {} while the schema registry fails; waiting, retrying in {} ms (nothing is lost: the source keeps "
                        + "its changes until then; check registry.url and that the registry is running): {}", who, what, backoff, e.getMessage());
                if (pause(backoff)) {
                    throw e;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
        }
    }

    /** Waits {@code millis}; true when closed (or interrupted) meanwhile. */
    private boolean pause(long millis) {
        try {
            return closed.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Ends the waiting: a call waiting now throws its last failure. */
    @Override
    public void close() {
        closed.countDown();
    }
}
