package io.tributary.ops.replay;

import io.tributary.sink.postgres.ServiceSink;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * A replay's progress, from the positions the sink reports ({@link ServiceSink.Watcher}): per table, how many
 * of the records between the start and the end offsets are applied, at what rate, and when it will be
 * caught up; drawn on standard error (on a terminal a bar per table redrawn once a second, otherwise a line
 * every 10 s). Counts records: change events, plus tombstones and transaction markers, which cost little.
 */
final class ReplayProgress implements ServiceSink.Watcher {
    private static final int BAR = 24;
    private final ReplayOffsets offsets;
    private final Map<String, String> tableOfTopic;
    private final PrintStream err;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile Map<TopicPartition, Long> positions = Map.of();
    private volatile long caughtUpNanos;
    private long lastDraw;
    private int linesDrawn;

    ReplayProgress(ReplayOffsets offsets, Map<String, String> tableOfTopic, PrintStream err, boolean terminal) {
        this.offsets = offsets;
        this.tableOfTopic = tableOfTopic;
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void caughtUpTo(Map<TopicPartition, Long> now) {
        positions = Map.copyOf(now);
        synchronized (this) {
            notifyAll();
        }
        boolean all = offsets.end().entrySet().stream().allMatch(e -> now.getOrDefault(e.getKey(), -1L) >= e.getValue());
        if (all && caughtUp.getCount() > 0) {
            caughtUpNanos = System.nanoTime();
            draw(true);
            caughtUp.countDown();
        } else {
            draw(false);
        }
    }

    /** Waits up to {@code millis} until at least {@code records} records are applied; whether they are. */
    synchronized boolean awaitApplied(long records, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (applied() < records) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    private long applied() {
        return tables().stream().mapToLong(ReplayedTable::done).sum();
    }

    /** Waits up to {@code millis} for the sink to reach every end offset. */
    boolean awaitCaughtUp(long millis) throws InterruptedException {
        return caughtUp.await(millis, TimeUnit.MILLISECONDS);
    }

    List<ReplayedTable> tables() {
        double seconds = ((caughtUpNanos != 0 ? caughtUpNanos : System.nanoTime()) - started) / 1e9;
        Map<String, long[]> per = new LinkedHashMap<>();
        Map<TopicPartition, Long> now = positions;
        offsets.end().forEach((tp, end) -> {
            if (!tableOfTopic.containsKey(tp.topic())) {
                return; // generation markers: waited for, not a table
            }
            long start = offsets.start().getOrDefault(tp, end);
            long at = Math.min(end, Math.max(start, now.getOrDefault(tp, start)));
            long[] v = per.computeIfAbsent(tableOfTopic.get(tp.topic()), k -> new long[2]);
            v[0] += at - start;
            v[1] += end - start;
        });
        List<ReplayedTable> out = new ArrayList<>();
        per.forEach((t, v) -> out.add(new ReplayedTable(t, v[0], v[1], seconds)));
        out.sort(java.util.Comparator.comparing(ReplayedTable::table));
        return out;
    }

    private synchronized void draw(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < (terminal ? 1_000_000_000L : 10_000_000_000L)) {
            return;
        }
        lastDraw = now;
        List<String> lines = new ArrayList<>();
        for (ReplayedTable t : tables()) {
            lines.add(line(t));
        }
        if (terminal && linesDrawn > 0) {
            err.print("\033[" + linesDrawn + "A");
        }
        for (String l : lines) {
            err.println(terminal ? "\r\033[K" + l : l);
        }
        linesDrawn = lines.size();
        err.flush();
    }

    private static String line(ReplayedTable t) {
        double share = t.total() == 0 ? 1 : (double) t.done() / t.total();
        int filled = (int) Math.round(share * BAR);
        double rate = t.perSecond();
        String eta = t.done() >= t.total() ? "done" : rate > 0 ? String.format(Locale.ROOT, "ETA %.0f s", (t.total() - t.done()) / rate) : "ETA -";
        return String.format(Locale.ROOT, "replay %-32s [%s%s] %3.0f%% %,12d / %,d  %,10.0f rows/s  %s", t.table(), "#".repeat(filled),
                "-".repeat(BAR - filled), share * 100, t.done(), t.total(), rate, eta);
    }
}
