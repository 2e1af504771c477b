package io.tributary.sink.timescale;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Does the history work one service's hypertables are owed ({@link HistoryLedger}): refreshes their
 * aggregates over history the refresh policies never reach ({@link AggregateRefresher}) and compresses
 * migrated history ({@link HistoryCompression}), on its own connection, outside the sink's transactions;
 * the apply path only records what is owed and never waits for this work. Refreshes come before
 * compression, so aggregates are complete as soon as possible.
 *
 * <p>Failures never stop the sink: work that fails stays owed and is tried again with capped backoff; a
 * refresh that meets a concurrent one (a policy run, SQLState 55P03) waits for the next round.
 */
public final class HistoryWorker implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HistoryWorker.class);

    /**
     * @param settle  how long owed work must have been left alone before it is done (a snapshot in progress
     *                keeps adding to it)
     * @param maxWait how long owed work waits at most, however often it is added to
     * @param poll    how often the ledger is read when idle
     */
    public record Timing(Duration settle, Duration maxWait, Duration poll) {
        public static final Timing DEFAULT = new Timing(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(1));
    }

    private final PipelineConfig.Service service;
    private final Map<String, PipelineConfig.Timescale> tables = new LinkedHashMap<>();
    private final Timing timing;
    private final MeterRegistry metrics;
    private final Map<String, Double> ratios = new ConcurrentHashMap<>();
    private final Object wake = new Object();
    /** Guards the round counters and is notified after every round. */
    private final Object rounds = new Object();
    private long roundsStarted;
    /** The last round that found nothing owed at all. */
    private long idleRound = -1;
    private volatile boolean running = true;
    private Connection db;

    public HistoryWorker(PipelineConfig.Service service, Timing timing, MeterRegistry metrics) {
        this.service = service;
        this.timing = timing;
        this.metrics = metrics;
        service.options().forEach((table, o) -> {
            if (o.timescale() != null) {
                tables.put(table, o.timescale());
            }
        });
    }

    /** Whether {@code service} declares anything this worker could owe: aggregates or compression. */
    public static boolean needed(PipelineConfig.Service service) {
        return service.options().values().stream().anyMatch(o -> o.timescale() != null
                && (!o.timescale().aggregates().isEmpty() || o.timescale().compressAfter() != null));
    }

    @Override
    public void run() {
        long backoff = timing.poll().toMillis();
        while (running) {
            try {
                long round;
                synchronized (rounds) {
                    round = ++roundsStarted;
                }
                runOnce();
                boolean idle = !HistoryLedger.anythingOwed(db);
                synchronized (rounds) {
                    if (idle) {
                        idleRound = round;
                    }
                    rounds.notifyAll();
                }
                backoff = timing.poll().toMillis();
            } catch (SQLException e) {
                metrics.counter("tributary.errors", "stage", "sink", "service", service.name(), "kind", "history").increment();
                log.warn("history work failed service={} retry_in_ms={} error={}", service.name(), backoff, Preflight.rootMessage(e));
                closeConnection();
                backoff = Math.min(backoff * 2, 60_000);
            }
            synchronized (wake) {
                if (running) {
                    try {
                        wake.wait(backoff);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
        closeConnection();
    }

    /**
     * Does the work that is due now; returns the number of tables worked on. A table whose work fails is
     * left owed and logged; a lost connection is thrown.
     */
    public int runOnce() throws SQLException {
        connect();
        int done = 0;
        for (HistoryLedger.Owed owed : HistoryLedger.due(db, timing.settle().toMillis(), timing.maxWait().toMillis())) {
            PipelineConfig.Timescale ts = tables.get(owed.table());
            try {
                if (ts == null) {
                    log.info("history work dropped: table={} is no longer declared a hypertable of service={}", owed.table(), service.name());
                } else {
                    refresh(owed, ts);
                }
                HistoryLedger.refreshed(db, owed); // the aggregates are complete from here, before the compression
                if (ts != null) {
                    compress(owed, ts);
                }
                HistoryLedger.compressed(db, owed);
                done++;
            } catch (SQLException e) {
                String state = e.getSQLState() == null ? "" : e.getSQLState();
                if (state.startsWith("08")) {
                    throw e;
                }
                boolean busy = state.equals("55P03");
                metrics.counter("tributary.errors", "stage", "sink", "service", service.name(), "kind", busy ? "history_busy" : "history").increment();
                log.warn("history work for table={} {} service={} error={}", owed.table(), busy ? "meets a concurrent refresh, tried again later"
                        : "failed, tried again later", service.name(), Preflight.rootMessage(e));
            }
        }
        return done;
    }

    /**
     * Waits until a round of the running worker finds nothing owed at all (settled or not), at most
     * {@code bound}; true when it did. For tests and the benchmark: "the aggregates and compression have
     * caught up with everything written so far".
     */
    public boolean awaitNothingOwed(Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        synchronized (rounds) {
            long after = roundsStarted; // a round begun before this call may not have seen the latest batches
            while (idleRound <= after) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                rounds.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    private void refresh(HistoryLedger.Owed owed, PipelineConfig.Timescale ts) throws SQLException {
        if (owed.refreshFrom() != null) {
            int windows = AggregateRefresher.refresh(db, owed.table(), ts, owed.refreshFrom(), owed.refreshTo());
            metrics.counter("tributary.sink.history.refresh.windows", "service", service.name(), "table", owed.table()).increment(windows);
        }
    }

    private void compress(HistoryLedger.Owed owed, PipelineConfig.Timescale ts) throws SQLException {
        if (owed.compress() && ts.compressAfter() != null) {
            HistoryCompression.Result r = HistoryCompression.compress(db, owed.table(), ts);
            if (ratios.put(owed.table(), r.ratio()) == null) {
                Gauge.builder("tributary.sink.compression.ratio", ratios, m -> m.getOrDefault(owed.table(), 0.0))
                        .tag("service", service.name()).tag("table", owed.table()).register(metrics);
            }
        }
    }

    private void connect() throws SQLException {
        if (db == null || db.isClosed()) {
            PipelineConfig.Database t = service.target();
            db = Preflight.connect(t.url(), t.user(), t.password());
            db.setAutoCommit(true); // refresh_continuous_aggregate and compress_chunk commit as they go
            try (Statement s = db.createStatement()) {
                s.execute("SET TIME ZONE 'UTC'"); // bucket and window arithmetic in UTC, as the ledger's instants
                s.execute("SET application_name = 'tributary-sink-history'");
            }
        }
    }

    private void closeConnection() {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException e) {
                log.debug("closing the history connection failed service={} error={}", service.name(), e.toString());
            }
            db = null;
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (wake) {
            wake.notifyAll();
        }
    }
}
