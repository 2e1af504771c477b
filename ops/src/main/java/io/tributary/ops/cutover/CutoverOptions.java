package io.tributary.ops.cutover;

import io.tributary.ops.reconcile.ReconcileOptions;
import java.time.Duration;

/**
 * The gates of a cutover.
 *
 * @param reconcile    how to reconcile (its {@code maxMismatchRate} is the mismatch gate)
 * @param maxLag       the largest pipeline lag a table may have once the fence is passed, or null for no gate
 * @param fenceTimeout how long to wait for the fence before saying no-go
 */
public record CutoverOptions(ReconcileOptions reconcile, Duration maxLag, Duration fenceTimeout) {
    public CutoverOptions {
        if (maxLag != null && maxLag.isNegative()) {
            throw new IllegalArgumentException("--max-lag must not be negative: " + maxLag);
        }
        if (fenceTimeout.isNegative()) {
            throw new IllegalArgumentException("--fence-timeout must not be negative: " + fenceTimeout);
        }
    }
}
