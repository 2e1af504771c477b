package io.tributary.ops.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * How to reconcile. {@link #exact()} compares every row of every owned table exactly, at once (no settle
 * period): what the demo and the end-to-end tests ask for while they wait for the pipeline to catch up.
 *
 * @param tolerances      relative tolerance per column: {@code table.column}, {@code column}, or {@code *} for every
 *                        floating-point and numeric column (e.g. 0.0001 = 0.01%); other columns compare exactly
 * @param since           with {@code until}, the time window: only rows whose time column is in [since, until) are
 *                        compared (for targets with retention); null for no bound
 * @param timeColumns     the window's time column per table name; a table without one (and without a TimescaleDB
 *                        time column in the pipeline file) is compared whole
 * @param last            when above 0, only the {@code last} rows with the highest keys (and anything the target has
 *                        above them) are compared
 * @param sample          the share of key ranges compared (1 = all); the rest are skipped, chosen by {@code seed}
 * @param maxMismatchRate a table passes when differing rows / compared source rows is at most this (0 = exact)
 * @param settle          a differing row is reported only if it still differs after this long, re-checked meanwhile;
 *                        rows the pipeline is still carrying converge and drop out (0 = report what one pass found)
 * @param rangeRows       rows per checksummed key range
 * @param leafRows        ranges with at most this many rows on each side are compared row by row
 * @param show            differing rows kept per table for the report
 * @param recheckCap      differing rows per table held for the settle re-check; beyond it they are counted unsettled
 */
public record ReconcileOptions(Map<String, Double> tolerances, Instant since, Instant until, Map<String, String> timeColumns,
                               long last, double sample, long seed, double maxMismatchRate, Duration settle,
                               int rangeRows, int leafRows, int show, int recheckCap) {
    public ReconcileOptions {
        tolerances = Map.copyOf(tolerances);
        timeColumns = Map.copyOf(timeColumns);
        if (sample <= 0 || sample > 1) {
            throw new IllegalArgumentException("sample must be in (0, 1], got " + sample);
        }
        if (maxMismatchRate < 0 || maxMismatchRate > 1) {
            throw new IllegalArgumentException("the mismatch-rate gate must be in [0, 1], got " + maxMismatchRate);
        }
        if (rangeRows < 2 || leafRows < 1) {
            throw new IllegalArgumentException("range rows must be at least 2 and leaf rows at least 1");
        }
    }

    /** Every row, exactly, no settle period. */
    public static ReconcileOptions exact() {
        return new ReconcileOptions(Map.of(), null, null, Map.of(), 0, 1.0, 1, 0, Duration.ZERO, 10_000, 64, 20, 100_000);
    }

    public ReconcileOptions withSettle(Duration d) {
        return new ReconcileOptions(tolerances, since, until, timeColumns, last, sample, seed, maxMismatchRate, d, rangeRows, leafRows, show, recheckCap);
    }

    public ReconcileOptions withRanges(int range, int leaf) {
        return new ReconcileOptions(tolerances, since, until, timeColumns, last, sample, seed, maxMismatchRate, settle, range, leaf, show, recheckCap);
    }

    /** The relative tolerance of {@code table.column}, or null when it compares exactly. */
    Double tolerance(String table, String column) {
        Double t = tolerances.get(table + "." + column);
        if (t == null) {
            t = tolerances.get(column);
        }
        return t != null ? t : tolerances.get("*");
    }

    boolean windowed() {
        return since != null || until != null;
    }
}
