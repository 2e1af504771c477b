package io.tributary.ops.reconcile;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Compares one table, source against target, in streaming reads with memory bounded by a key range:
 * <ol>
 *   <li>counts both sides (in scope: the window, the last N rows, the target's rows not flagged deleted);</li>
 *   <li>walks the source in key order, {@code rangeRows} rows at a time, checksumming each range of keys on
 *       both sides ({@link Digest}) as the rows stream by;</li>
 *   <li>narrows a range whose checksums differ by bisection (split at the source's middle key, re-read
 *       only the halves that still differ) until it holds at most {@code leafRows} source rows, then compares
 *       those with the target's rows of the range streamed past them; a range one side has no rows in is all
 *       missing or all extra, streamed;</li>
 *   <li>re-checks each differing row until the settle period has passed (see {@link #settle}).</li>
 * </ol>
 * Consistency: the comparison does not freeze either database; it compares ranges as they are when read,
 * and a difference counts only if it is still there on every re-check for the settle period after the pass.
 * A row the pipeline is still carrying converges and drops out; a lost or wrong row stays.
 */
final class TableReconciler {
    private final TablePlan plan;
    private final Side source;
    private final Side pager;
    private final Side target;
    private final ReconcileOptions options;
    private final Progress progress;
    private final Differences differences;

    /**
     * @param source the source, for narrowing and re-checks
     * @param pager  the source again, on a connection of its own: it reads the next range while the others work
     */
    TableReconciler(TablePlan plan, Side source, Side pager, Side target, ReconcileOptions options, Progress progress) {
        this.plan = plan;
        this.source = source;
        this.pager = pager;
        this.target = target;
        this.options = options;
        this.progress = progress;
        this.differences = new Differences(plan, options.recheckCap());
    }

    TableReport run() throws SQLException, InterruptedException {
        long t0 = System.nanoTime();
        Range.Bound floor = options.last() > 0 ? source.keyAt(Range.ALL, options.last(), true) : null;
        Range scope = new Range(floor, null);
        long sourceRows = source.count(scope);
        long targetRows = target.count(scope);
        progress.table(plan.service(), plan.table().topic(), sourceRows);
        long compared = walk(floor);
        settle();
        List<String> notes = new ArrayList<>();
        for (TablePlan.Col c : plan.columns()) {
            if (c.tolerance() != null) {
                notes.add("column " + c.name() + " compared within a relative tolerance of " + c.tolerance());
            }
        }
        if (differences.unsettled() > 0) {
            notes.add(differences.unsettled() + " differing rows past the first " + options.recheckCap() + " were counted without re-check");
        }
        List<Difference> shown = differences.held().subList(0, Math.min(options.show(), differences.held().size()));
        progress.done();
        return new TableReport(plan.service(), plan.table().topic(), mode(), sourceRows, targetRows, compared,
                differences.count(Difference.Kind.MISSING), differences.count(Difference.Kind.EXTRA), differences.count(Difference.Kind.CHANGED),
                differences.unsettled(), options.maxMismatchRate(), plan.columns().stream().map(TablePlan.Col::name).toList(),
                plan.keyNames(), new ArrayList<>(shown), notes, null, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Pages through the source from {@code lo}; returns the source rows whose ranges were compared. The next
     * range is read from the source (on the pager's own connection) while this one is checksummed on the target
     * and narrowed, so the two databases are read at the same time.
     */
    private long walk(Range.Bound lo) throws SQLException, InterruptedException {
        Random sampler = new Random(options.seed() ^ plan.table().topic().hashCode());
        ExecutorService ahead = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "reconcile-source-pages");
            t.setDaemon(true);
            return t;
        });
        try {
            long compared = 0;
            Future<Step> next = ahead.submit(() -> step(lo, sampler));
            while (true) {
                Step step = get(next);
                Side.Page page = step.page;
                if (page.full()) {
                    Range.Bound from = page.last();
                    next = ahead.submit(() -> step(from, sampler));
                }
                Range range = new Range(step.lo, page.full() ? page.last() : null);
                Digest there = target.digest(range);
                if (!page.digest().equals(there)) {
                    narrow(range, page.digest(), there);
                }
                compared += page.digest().rows();
                progress.rows(step.walked);
                if (!page.full()) {
                    return compared;
                }
            }
        } finally {
            ahead.shutdownNow();
        }
    }

    /** One compared source range: where it starts, what the page read, and the source rows walked up to its end. */
    private record Step(Range.Bound lo, Side.Page page, long walked) {
    }

    private long walked;

    /** The next compared range from {@code lo}: ranges not sampled are skipped (the last, partial one never is, so rows above it are seen). */
    private Step step(Range.Bound lo, Random sampler) throws SQLException {
        while (options.sample() < 1 && sampler.nextDouble() >= options.sample()) {
            Range.Bound hi = pager.keyAt(new Range(lo, null), options.rangeRows() - 1L, false);
            if (hi == null) {
                break;
            }
            lo = hi;
            walked += options.rangeRows();
        }
        Side.Page page = pager.page(lo, options.rangeRows());
        walked += page.digest().rows();
        return new Step(lo, page, walked);
    }

    private static Step get(Future<Step> f) throws SQLException, InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private record Work(Range range, Digest source, Digest target, int depth) {
    }

    /** Bisections deeper than this cannot happen when both sides order keys alike (2^64 rows). */
    private static final int MAX_DEPTH = 64;

    /**
     * Bisects a range whose checksums differ down to the rows that differ. Each step halves the rows of the
     * side with more, so the work is bounded; when it is not (the two databases do not select the same keys for
     * a range, e.g. text ordered by different collations), the table fails with that reason instead of looping.
     */
    private void narrow(Range range, Digest sourceDigest, Digest targetDigest) throws SQLException {
        Deque<Work> stack = new ArrayDeque<>();
        stack.push(new Work(range, sourceDigest, targetDigest, 0));
        long budget = 8L * Math.max(sourceDigest.rows(), targetDigest.rows()) + 64;
        while (!stack.isEmpty()) {
            Work w = stack.pop();
            if (w.depth > MAX_DEPTH || --budget < 0) {
                throw new IllegalStateException("narrowing the key range " + range + " did not converge: the two databases do not select the "
                        + "same keys for a range of " + plan.keyNames() + " (text keys ordered by different collations, or a SQLite key "
                        + "stored in more than one format?)");
            }
            if (w.target.rows() == 0 || w.source.rows() == 0) {
                oneSided(w);
            } else if (w.source.rows() <= options.leafRows()) {
                fewSourceRows(w, stack);
            } else {
                split(w, stack);
            }
        }
    }

    /** A range only one side has rows in: each of them differs; streamed, however many. */
    private void oneSided(Work w) throws SQLException {
        if (w.source.rows() > 0) {
            source.scan(w.range, row -> differences.add(differences.compare(row, null)));
        } else {
            target.scan(w.range, row -> differences.add(differences.compare(null, row)));
        }
    }

    /**
     * A range with few source rows: they are held by key and the target's rows streamed past them, so a target
     * with many rows there (all but a few extra) costs no memory and needs no split at target keys.
     */
    private void fewSourceRows(Work w, Deque<Work> stack) throws SQLException {
        int limit = options.leafRows() * 4;
        List<Row> here = source.rows(w.range, limit);
        if (here.size() > limit) { // rows arrived since the range was checksummed
            stack.push(new Work(w.range, source.digest(w.range), target.digest(w.range), w.depth + 1));
            return;
        }
        differences.compareStreaming(here, sink -> target.scan(w.range, sink::accept));
    }

    /** Splits at the source's middle key (bounds always come from the source, see {@link Range.Bound}). */
    private void split(Work w, Deque<Work> stack) throws SQLException {
        Range.Bound mid = source.keyAt(w.range, (w.source.rows() - 1) / 2, false);
        if (mid == null) { // rows left since the range was checksummed: look again
            Digest s = source.digest(w.range);
            Digest t = target.digest(w.range);
            if (!s.equals(t)) {
                stack.push(new Work(w.range, s, t, w.depth + 1));
            }
            return;
        }
        Range left = new Range(w.range.lo(), mid);
        Range right = new Range(mid, w.range.hi());
        Digest sl = source.digest(left);
        Digest tl = target.digest(left);
        Digest sr = w.source.minus(sl);
        Digest tr = w.target.minus(tl);
        if (!sr.equals(tr)) {
            stack.push(new Work(right, sr, tr, w.depth + 1));
        }
        if (!sl.equals(tl)) {
            stack.push(new Work(left, sl, tl, w.depth + 1));
        }
    }

    /**
     * Re-reads the differing rows until the settle period has passed since the pass ended, dropping each one
     * that agrees on any re-check: a difference is reported only if it lasted the whole period.
     */
    private void settle() throws SQLException, InterruptedException {
        long settleNanos = options.settle().toNanos();
        if (settleNanos <= 0 || differences.held().isEmpty()) {
            return;
        }
        long end = System.nanoTime() + settleNanos;
        long step = Math.max(250_000_000L, settleNanos / 4);
        while (!differences.held().isEmpty()) {
            long now = System.nanoTime();
            Thread.sleep(Math.max(0, Math.min(step, end - now)) / 1_000_000);
            differences.recheck(source, target);
            if (System.nanoTime() >= end) {
                return;
            }
        }
    }

    private String mode() {
        String m = options.last() > 0 ? "last " + options.last() + " rows" : "all rows";
        if (options.sample() < 1) {
            m += ", sample " + options.sample() + " of key ranges";
        }
        if (plan.timeColumn() != null) {
            m += ", " + plan.timeColumn() + " in [" + (options.since() == null ? "-inf" : options.since()) + ", "
                    + (options.until() == null ? "+inf" : options.until()) + ")";
        }
        return m;
    }
}
