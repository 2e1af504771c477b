package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.capture.sqlite.wal.RowChange;
import io.tributary.capture.sqlite.wal.TableDef;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code bin/tributary bench sqlite}: the WAL tailer on the experiment_metrics reference workload (a table
 * of {@code rows} metric rows): snapshot rows/s, then a writer committing one-row transactions at a fixed
 * rate while the tailer runs: commit-to-visible latency (the application's commit to the event being
 * readable, read_committed, in Kafka: decode, Kafka transaction, acknowledgement), how long the writer's
 * commits took (is it blocked by the tailer?), and how large the WAL file grew.
 */
public final class SqliteBench {
    private static final int WARM_UP_SECONDS = 2;

    private SqliteBench() {
    }

    /** What the live writer measured: each commit's duration, each commit's latency to a consumer, the WAL's peak size. */
    private record Live(long[] commitNanos, long[] visibleNanos, long maxWalBytes) {
    }

    public static String run(String kafka, String registryUrl, Path dir, int rows, int commitsPerSecond, int seconds) throws Exception {
        Path db = dir.resolve("bench.db");
        loadReferenceTable(db, rows);
        String source = "bench" + Long.toHexString(System.nanoTime());
        TableRef table = new TableRef(source, "main", "experiment_metrics");
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        SqliteTailer tailer = tailer(kafka, registryUrl, db, table, metrics);
        // the first 2 s of live commits warm the decoder up (JIT, first reads of a 1M-row tree): reported apart
        int warm = commitsPerSecond * WARM_UP_SECONDS;
        int n = warm + commitsPerSecond * seconds;
        long[] ackLatency = new long[n];
        tailer.observe(new Acknowledged(rows, ackLatency));
        long t0 = System.nanoTime();
        Thread tt = new Thread(tailer, "bench-tailer");
        tt.start();
        while (!tailer.streaming() && tailer.failure() == null) {
            Thread.sleep(2);
        }
        double startSeconds = (System.nanoTime() - t0) / 1e9;
        double snapshotSeconds = metrics.timer("tributary.capture.snapshot", "source", source).totalTime(TimeUnit.NANOSECONDS) / 1e9;
        Live live = writeLive(kafka, registryUrl, db, table.topic(), rows, commitsPerSecond, n);
        tailer.close();
        tt.join(30_000);
        return String.format("rows=%d%n  snapshot:                  %6.2f s  %,10.0f rows/s  (read, encode, write and commit to Kafka)%n"
                        + "  start to streaming:        %6.2f s  %,10.0f rows/s  (also the producer's start and the position lookup)%n",
                rows, snapshotSeconds, rows / snapshotSeconds, startSeconds, rows / startSeconds)
                + liveReport(live, ackLatency, warm, n, commitsPerSecond);
    }

    /** The experiment_metrics reference table with {@code rows} rows, its WAL checkpointed away (the load is not the tailer's doing). */
    static void loadReferenceTable(Path db, int rows) throws SQLException, IOException {
        Files.deleteIfExists(db);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE experiment_metrics (id INTEGER PRIMARY KEY, time DATETIME NOT NULL, experiment_id INTEGER, "
                    + "metric_name TEXT NOT NULL, metric_value REAL NOT NULL, step INTEGER, committed_ns INTEGER)");
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO experiment_metrics VALUES (?, '2025-01-01 00:00:00.000', ?, 'loss', ?, ?, 0)")) {
                for (int i = 1; i <= rows; i++) {
                    ps.setInt(1, i);
                    ps.setInt(2, i % 100);
                    ps.setDouble(3, Math.sin(i));
                    ps.setInt(4, i);
                    ps.addBatch();
                    if (i % 10_000 == 0) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
            c.commit();
            c.setAutoCommit(true);
            s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)").close();
        }
    }

    static SqliteTailer tailer(String kafka, String registryUrl, Path db, TableRef table, SimpleMeterRegistry metrics) {
        PipelineConfig.Kafka k = new PipelineConfig.Kafka(kafka, 1, 1, Map.of());
        KafkaSetup.ensureTopics(k, List.of(table.topic(), Topics.positions(table.source()), Topics.generations(table.source())));
        PipelineConfig.Source source = new PipelineConfig.Source(table.source(), new PipelineConfig.Sqlite(db, Duration.ofMillis(5)), null,
                List.of(table));
        return new SqliteTailer(k, source, new SchemaRegistryClient(registryUrl), metrics);
    }

    /** {@code n} one-row commits at {@code commitsPerSecond} while a read_committed consumer times their events. */
    private static Live writeLive(String kafka, String registryUrl, Path db, String topic, int rows, int commitsPerSecond, int n)
            throws Exception {
        long[] latency = new long[n];
        try (KafkaConsumer<GenericRecord, GenericRecord> consumer = consumer(kafka, registryUrl, topic);
             Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
            }
            c.setAutoCommit(false);
            Thread reader = new Thread(() -> readLatencies(consumer, rows, latency), "bench-reader");
            reader.start();
            Live live = commitAtRate(c, db, rows, commitsPerSecond, n, latency);
            reader.join(60_000);
            return live;
        }
    }

    private static Live commitAtRate(Connection c, Path db, int rows, int commitsPerSecond, int n, long[] latency)
            throws SQLException, IOException {
        long[] commitNanos = new long[n];
        long maxWal = 0;
        long start = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO experiment_metrics VALUES (?, '2025-01-02 00:00:00.000', 1, 'live', 1.5, ?, ?)")) {
            for (int i = 0; i < n; i++) {
                long wait = start + (long) i * 1_000_000_000L / commitsPerSecond - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // not a busy wait: 2 cores are shared by everything here
                }
                long before = System.nanoTime();
                ps.setInt(1, rows + 1 + i);
                ps.setInt(2, i);
                ps.setLong(3, before);
                ps.executeUpdate();
                c.commit();
                commitNanos[i] = System.nanoTime() - before;
                if (i % 500 == 0) {
                    Path wal = db.resolveSibling(db.getFileName() + "-wal");
                    maxWal = Math.max(maxWal, Files.exists(wal) ? Files.size(wal) : 0);
                }
            }
        }
        return new Live(commitNanos, latency, maxWal);
    }

    private static String liveReport(Live live, long[] ackLatency, int warm, int n, int commitsPerSecond) {
        return String.format("  live: %d one-row commits at %d/s after a %d s warm-up (warm-up commit-to-Kafka-ack p99 %.1f ms)%n"
                        + "  commit-to-Kafka-ack:       p50 %.1f ms  p99 %.1f ms  max %.1f ms%n"
                        + "  commit-to-visible latency: p50 %.1f ms  p99 %.1f ms  max %.1f ms  (a read_committed consumer)%n"
                        + "  writer commit time:        p50 %.2f ms  p99 %.2f ms  max %.1f ms%n  WAL file at most:          %,d bytes",
                n - warm, commitsPerSecond, WARM_UP_SECONDS, pct(ackLatency, 0, warm, 99),
                pct(ackLatency, warm, n, 50), pct(ackLatency, warm, n, 99), pct(ackLatency, warm, n, 100),
                pct(live.visibleNanos(), warm, n, 50), pct(live.visibleNanos(), warm, n, 99), pct(live.visibleNanos(), warm, n, 100),
                pct(live.commitNanos(), warm, n, 50), pct(live.commitNanos(), warm, n, 99), pct(live.commitNanos(), warm, n, 100),
                live.maxWalBytes());
    }

    /** Fills {@code latency[i]} (ns) when the tailer's Kafka transaction holding live row {@code rows + 1 + i} is committed. */
    private static final class Acknowledged implements SqliteStreaming.Observer {
        private final int rows;
        private final long[] latency;
        private final List<long[]> pending = new java.util.ArrayList<>();

        Acknowledged(int rows, long[] latency) {
            this.rows = rows;
            this.latency = latency;
        }

        @Override
        public void written(TableDef table, RowChange rc) {
            int committed = table.columnNames().indexOf("committed_ns");
            long id = (Long) rc.key().get(0);
            if (rc.after() != null && id > rows && committed >= 0 && rc.after().get(committed) instanceof Long ns && ns > 0) {
                pending.add(new long[] {id, ns});
            }
        }

        @Override
        public void committed() {
            long now = System.nanoTime();
            for (long[] p : pending) {
                latency[(int) (p[0] - rows - 1)] = now - p[1];
            }
            pending.clear();
        }
    }

    private static KafkaConsumer<GenericRecord, GenericRecord> consumer(String kafka, String registryUrl, String topic) {
        SchemaRegistryClient registry = new SchemaRegistryClient(registryUrl);
        KafkaConsumer<GenericRecord, GenericRecord> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka, "group.id", "bench-" + topic,
                "auto.offset.reset", "earliest", "isolation.level", "read_committed"), new AvroSerde(registry, true), new AvroSerde(registry, false));
        // start after the snapshot's records: the latency is of live commits, not of reading the backlog
        TopicPartition tp = new TopicPartition(topic, 0);
        consumer.assign(List.of(tp));
        consumer.seekToEnd(List.of(tp));
        consumer.position(tp);
        return consumer;
    }

    /** Fills {@code latency[i]} (ns) for every live row {@code rows + 1 + i}, until all are seen or 60 s pass. */
    private static void readLatencies(KafkaConsumer<GenericRecord, GenericRecord> consumer, int rows, long[] latency) {
        int seen = 0;
        long deadline = System.currentTimeMillis() + 120_000;
        while (seen < latency.length && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<GenericRecord, GenericRecord> r : consumer.poll(Duration.ofMillis(50))) {
                long now = System.nanoTime();
                if (r.value() == null) {
                    continue;
                }
                Map<String, Object> after = Envelope.read(r.key(), r.value()).after();
                long id = (Long) after.get("id");
                if (id > rows && after.get("committed_ns") != null) {
                    latency[(int) (id - rows - 1)] = now - (Long) after.get("committed_ns");
                    seen++;
                }
            }
        }
    }

    /** The p-th percentile (ms) of {@code nanos[from..to)}; entries never filled (0) are left out. */
    private static double pct(long[] nanos, int from, int to, int p) {
        long[] sorted = Arrays.stream(nanos, from, to).filter(x -> x > 0).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }
}
