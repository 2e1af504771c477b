package io.tributary.sink.postgres;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import io.tributary.sink.timescale.HistoryWorker;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/tributary bench timescale}: the ML-experiments workload's {@code experiment_metrics}, {@code rows}
 * rows spread evenly over two years (ending two days ago), through the sink's apply path into a hypertable
 * with 1-month chunks, compression after 7 days and an hourly aggregate with a daily one built on it, and the
 * same load into a plain table in another database of the same server. Reports the snapshot rate of each,
 * the time from the snapshot's end until the aggregates are complete and the history compressed (the sink's
 * history work, as in production; TimescaleDB's scheduler should be off so its policies do not blur it), the
 * live insert rate into the last hour while history is compressed (and how many compressed batches that
 * decompressed: none is the goal), and the sizes. Measures the database side; Kafka and Avro are not part of it.
 */
public final class TimescaleBench {
    private static final int BATCH = 10_000;
    /** Live changes come in smaller polls than a snapshot. */
    private static final int LIVE_BATCH = 1_000;
    private static final long SPAN_MICROS = 2 * 365L * 86_400_000_000L;
    static final PipelineConfig.Timescale DECLARED = new PipelineConfig.Timescale("time", "1 month", false, List.of("experiment_id"), List.of(),
            "7 days", null, List.of(
            new PipelineConfig.Aggregate("metrics_1h", "1 hour", "bucket", null, List.of("experiment_id", "metric_name"),
                    List.of("avg(metric_value) AS avg_value", "min(metric_value) AS min_value", "max(metric_value) AS max_value",
                            "count(*) AS samples", "sum(metric_value) AS sum_value"), false, "3 days", "1 hour", "1 hour"),
            new PipelineConfig.Aggregate("metrics_1d", "1 day", "day", "metrics_1h", List.of("experiment_id", "metric_name"),
                    List.of("sum(sum_value) / sum(samples) AS avg_value", "min(min_value) AS min_value", "max(max_value) AS max_value",
                            "sum(samples) AS samples"), false, "7 days", "1 day", "1 day")));

    private TimescaleBench() {
    }

    /** The figures; sizes in bytes. */
    public record Result(long rows, double plainSeconds, double hyperSeconds, double refreshedAfter, double compressedAfter, long aggregated,
                         long live, double liveSeconds, long liveDecompressedBatches, long plainBytes, long hyperBytes, long aggregateBytes,
                         long beforeCompression, long afterCompression) {
        @Override
        public String toString() {
            return String.format("rows=%,d over two years, 1-month chunks, compression after 7 days, hourly + daily aggregates%n"
                            + "  snapshot into a plain table:   %8.1f s  %,10.0f rows/s%n"
                            + "  snapshot into the hypertable:  %8.1f s  %,10.0f rows/s  (%.2fx the plain table's time)%n"
                            + "  aggregates complete after the snapshot's end:    %8.1f s  (daily samples %,d of %,d rows)%n"
                            + "  history compressed after the snapshot's end:     %8.1f s  (ratio %.1f: %,d -> %,d bytes)%n"
                            + "  live inserts (batches of 1,000), history compressed: %,d rows in %.2f s = %,.0f rows/s, compressed batches decompressed: %d%n"
                            + "  size: plain table %,d bytes; hypertable %,d bytes (%.2fx); aggregates %,d bytes",
                    rows, plainSeconds, rows / plainSeconds, hyperSeconds, rows / hyperSeconds, hyperSeconds / plainSeconds, refreshedAfter,
                    aggregated, rows, compressedAfter, afterCompression == 0 ? 0 : (double) beforeCompression / afterCompression, beforeCompression,
                    afterCompression, live, liveSeconds, live / liveSeconds, liveDecompressedBatches, plainBytes, hyperBytes,
                    (double) hyperBytes / plainBytes, aggregateBytes);
        }
    }

    /** {@code hyperUrl} and {@code plainUrl}: two empty databases of a server with TimescaleDB. */
    public static Result run(String hyperUrl, String plainUrl, long rows, long live) throws SQLException, InterruptedException {
        Instant end = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(2, ChronoUnit.DAYS);
        double plain = load(service(plainUrl, null), rows, end, null);
        PipelineConfig.Service service = service(hyperUrl, DECLARED);
        try (HistoryWorker worker = new HistoryWorker(service, HistoryWorker.Timing.DEFAULT, new SimpleMeterRegistry())) {
            new Thread(worker, "bench-history").start();
            double[] ledger = new double[2];
            double hyper = load(service, rows, end, () -> watchLedger(hyperUrl, ledger));
            try (BatchApplier applier = new BatchApplier(service, (t, p, o, k, v, id) -> {
                throw new IllegalStateException("nothing is parked in the benchmark");
            })) {
                long before = compressedBatches(hyperUrl);
                long t0 = System.nanoTime();
                for (long done = 0; done < live; done += LIVE_BATCH) {
                    applier.apply(liveBatch(rows + done + 1, Math.min(LIVE_BATCH, live - done)));
                }
                double liveSeconds = (System.nanoTime() - t0) / 1e9;
                long decompressed = before - compressedBatches(hyperUrl);
                long[] sizes = sizes(hyperUrl, plainUrl);
                return new Result(rows, plain, hyper, ledger[0], ledger[1], aggregated(hyperUrl), live, liveSeconds, decompressed, sizes[0], sizes[1],
                        sizes[2], sizes[3], sizes[4]);
            }
        }
    }

    private static PipelineConfig.Service service(String url, PipelineConfig.Timescale ts) {
        Map<String, PipelineConfig.TableOptions> options = ts == null ? Map.of() : Map.of("experiment_metrics", new PipelineConfig.TableOptions(false, null, ts));
        return new PipelineConfig.Service("bench", "bench", new PipelineConfig.Database(url, "postgres", Secret.NONE), List.of(SinkBench.METRICS.table()),
                options, Duration.ofMinutes(10));
    }

    private interface AfterSnapshot {
        void run() throws SQLException, InterruptedException;
    }

    /** Applies the snapshot; returns its seconds (then runs {@code after}, outside the timing). */
    private static double load(PipelineConfig.Service service, long rows, Instant end, AfterSnapshot after) throws SQLException, InterruptedException {
        long t0 = System.nanoTime();
        try (BatchApplier applier = new BatchApplier(service, (t, p, o, k, v, id) -> {
            throw new IllegalStateException("nothing is parked in the benchmark");
        })) {
            long first = ChronoUnit.MICROS.between(Instant.EPOCH, end) - SPAN_MICROS;
            for (long id = 1; id <= rows; id += BATCH) {
                List<SinkEvent> batch = new ArrayList<>(BATCH);
                for (long r = id; r < Math.min(rows + 1, id + BATCH); r++) {
                    Map<String, Object> row = row(r, first + (r - 1) * (SPAN_MICROS / rows));
                    batch.add(new SinkEvent(new ChangeEvent(SinkBench.METRICS, Op.READ, null, row, Position.of(1, 0, 0, r), 0L, r == rows ? "last" : "true",
                            "bench", "bench", null, null), "bench", 0, r, null, null, null));
                }
                applier.apply(batch);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (after != null) {
            after.run();
        }
        return seconds;
    }

    /** Watches the ledger from the snapshot's end: [0] seconds until the refresh is done, [1] until the compression is. */
    private static void watchLedger(String url, double[] out) throws SQLException, InterruptedException {
        long t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            while (out[0] == 0 || out[1] == 0) {
                try (ResultSet rs = s.executeQuery("SELECT bool_or(refresh_from IS NOT NULL), bool_or(compress_due) FROM " + Bookkeeping.HISTORY)) {
                    rs.next();
                    double now = (System.nanoTime() - t0) / 1e9;
                    if (out[0] == 0 && !rs.getBoolean(1)) {
                        out[0] = now;
                    }
                    if (out[1] == 0 && !rs.getBoolean(2)) {
                        out[1] = now;
                    }
                }
                Thread.sleep(200); // a benchmark's sampling interval, not a test's wait
            }
        }
    }

    private static List<SinkEvent> liveBatch(long firstId, long n) {
        long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        List<SinkEvent> out = new ArrayList<>((int) n);
        for (long r = firstId; r < firstId + n; r++) {
            Map<String, Object> row = row(r, now - (firstId + n - r) * 10_000L); // the last minutes, 100 rows a second
            out.add(new SinkEvent(new ChangeEvent(SinkBench.METRICS, Op.CREATE, null, row, Position.of(1, 0, 1, r), 0L, "false", "bench", "bench",
                    null, null), "bench", 0, r, null, null, null));
        }
        return out;
    }

    private static Map<String, Object> row(long id, long timeMicros) {
        Map<String, Object> m = new HashMap<>(16);
        m.put(TableSchema.ROWID_COLUMN, id);
        m.put("time", timeMicros);
        m.put("experiment_id", id % 100);
        m.put("metric_name", id % 3 == 0 ? "loss" : "sharpe");
        m.put("metric_value", Math.sin(id) * 1e3);
        m.put("step", id);
        m.put("epoch", id / 1000);
        return m;
    }

    private static long one(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Rows the daily aggregate accounts for: every row of the history when it is complete. */
    private static long aggregated(String url) throws SQLException {
        return one(url, "SELECT COALESCE(sum(samples), 0) FROM metrics_1d");
    }

    /** Batches in compressed form over all chunks (a batch DML decompresses leaves it). */
    private static long compressedBatches(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            List<String> compressed = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT cc.schema_name || '.' || cc.table_name FROM _timescaledb_catalog.chunk c "
                    + "JOIN _timescaledb_catalog.chunk cc ON cc.id = c.compressed_chunk_id")) {
                while (rs.next()) {
                    compressed.add(rs.getString(1));
                }
            }
            long batches = 0;
            for (String chunk : compressed) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + chunk)) {
                    rs.next();
                    batches += rs.getLong(1);
                }
            }
            return batches;
        }
    }

    /** Plain table, hypertable, aggregates, and the compressed chunks before and after compression. */
    private static long[] sizes(String hyperUrl, String plainUrl) throws SQLException {
        long plain = one(plainUrl, "SELECT pg_total_relation_size('experiment_metrics')");
        long hyper = one(hyperUrl, "SELECT hypertable_size('experiment_metrics')");
        long aggregates = one(hyperUrl, "SELECT COALESCE(sum(hypertable_size(format('%I.%I', materialization_hypertable_schema, "
                + "materialization_hypertable_name)::regclass)), 0) FROM timescaledb_information.continuous_aggregates");
        long before = one(hyperUrl, "SELECT COALESCE(before_compression_total_bytes, 0) FROM hypertable_compression_stats('experiment_metrics')");
        long after = one(hyperUrl, "SELECT COALESCE(after_compression_total_bytes, 0) FROM hypertable_compression_stats('experiment_metrics')");
        return new long[] {plain, hyper, aggregates, before, after};
    }
}
