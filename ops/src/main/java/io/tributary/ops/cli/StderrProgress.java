package io.tributary.ops.cli;

import io.tributary.ops.reconcile.Progress;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Reconcile's progress on standard error: on a terminal one line redrawn at most once a second, otherwise
 * a line every 10 s, so that a log file does not fill with it. Rate and ETA from the source rows walked.
 */
final class StderrProgress implements Progress {
    private final PrintStream err;
    private final boolean terminal;
    private String table;
    private long total;
    private long started;
    private long lastPrint;

    StderrProgress(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void table(String service, String table, long sourceRows) {
        this.table = service + " " + table;
        this.total = sourceRows;
        this.started = System.nanoTime();
        this.lastPrint = started;
    }

    @Override
    public void rows(long done) {
        long now = System.nanoTime();
        if (now - lastPrint < (terminal ? 1_000_000_000L : 10_000_000_000L)) {
            return;
        }
        lastPrint = now;
        double seconds = (now - started) / 1e9;
        double rate = done / Math.max(seconds, 1e-3);
        String eta = total > done && rate > 0 ? String.format(Locale.ROOT, " ETA %.0f s", (total - done) / rate) : "";
        String line = String.format(Locale.ROOT, "reconcile %s: %,d / %,d source rows (%.0f%%), %,.0f rows/s%s", table, done, total,
                total == 0 ? 100.0 : Math.min(100.0, 100.0 * done / total), rate, eta);
        if (terminal) {
            err.print("\r\033[K" + line);
        } else {
            err.println(line);
        }
        err.flush();
    }

    @Override
    public void done() {
        if (terminal && lastPrint != started) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
