package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.capture.sqlite.wal.RowChange;
import io.tributary.capture.sqlite.wal.TableChanges;
import io.tributary.capture.sqlite.wal.WalTransaction;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.TableRef;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * {@code bin/tributary bench sqlite}: the WAL tailer on a seed-001 {@code experiment_metrics} table:
 * snapshot rows/s, then a writer committing one-row transactions at a fixed rate while the tailer runs:
 * commit-to-visible latency (the application's commit to the event being readable, read_committed, in
 * Kafka: decode, Kafka transaction, acknowledgement), how long the writer's commits took (is it blocked
 * by the tailer?), and how large the WAL file grew.
 */
public final class SqliteBench {
    private static final int WARM_UP_SECONDS = 2;

    private SqliteBench() {
    }

    public static String run(String kafka, String registryUrl, Path dir, int rows, int commitsPerSecond, int seconds) throws Exception {
        Path db = dir.resolve("bench.db");
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
            s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)").close(); // the load's own WAL is not the tailer's doing
        }
        String source = "bench" + Long.toHexString(System.nanoTime());
        TableRef table = new TableRef(source, "main", "experiment_metrics");
        PipelineConfig.Kafka k = new PipelineConfig.Kafka(kafka, 1, 1, Map.of());
        KafkaSetup.ensureTopics(k, List.of(table.topic(), io.tributary.schemas.kafka.Topics.positions(source), io.tributary.schemas.kafka.Topics.generations(source)));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        SqliteTailer tailer = new SqliteTailer(k, new PipelineConfig.Source(source, new PipelineConfig.Sqlite(db, Duration.ofMillis(5)), null,
                List.of(table)), new SchemaRegistryClient(registryUrl), metrics);
        long t0 = System.nanoTime();
        // the first 2 s of live commits warm the decoder up (JIT, first reads of a 1M-row tree): reported apart
        int warm = commitsPerSecond * WARM_UP_SECONDS;
        int n = warm + commitsPerSecond * seconds;
        long[] ackLatency = new long[n];
        tailer.onAcknowledged(txs -> acknowledged(txs, rows, ackLatency));
        Thread tt = new Thread(tailer, "bench-tailer");
        tt.start();
        while (!tailer.streaming() && tailer.failure() == null) {
            Thread.sleep(2);
        }
        double startSeconds = (System.nanoTime() - t0) / 1e9;
        double snapshotSeconds = metrics.timer("tributary.capture.snapshot", "source", source).totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) / 1e9;

        long[] commitNanos = new long[n];
        long[] latency = new long[n];
        long maxWal = 0;
        try (KafkaConsumer<GenericRecord, GenericRecord> consumer = consumer(kafka, registryUrl, table.topic());
             Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
            }
            c.setAutoCommit(false);
            Thread reader = new Thread(() -> readLatencies(consumer, rows, latency), "bench-reader");
            reader.start();
            long start = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO experiment_metrics VALUES (?, '2025-01-02 00:00:00.000', 1, 'live', 1.5, ?, ?)")) {
                for (int i = 0; i < n; i++) {
                    long due = start + (long) i * 1_000_000_000L / commitsPerSecond;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait); // not a busy wait: 2 cores are shared by everything here
                    }
                    long before = System.nanoTime();
                    ps.setInt(1, rows + 1 + i);
                    ps.setInt(2, i);
                    ps.setLong(3, before);
                    ps.executeUpdate();
                    c.commit();
                    commitNanos[i] = System.nanoTime() - before;
                    if (i % 500 == 0) {
                        Path wal = db.resolveSibling("bench.db-wal");
                        maxWal = Math.max(maxWal, Files.exists(wal) ? Files.size(wal) : 0);
                    }
                }
            }
            reader.join(60_000);
        }
        tailer.close();
        tt.join(30_000);
        return String.format("rows=%d%n  snapshot:                  %6.2f s  %,10.0f rows/s  (read, encode, write and commit to Kafka)%n"
                        + "  start to streaming:        %6.2f s  %,10.0f rows/s  (also the producer's start and the position lookup)%n"
                        + "  live: %d one-row commits at %d/s after a %d s warm-up (warm-up commit-to-Kafka-ack p99 %.1f ms)%n"
                        + "  commit-to-Kafka-ack:       p50 %.1f ms  p99 %.1f ms  max %.1f ms%n"
                        + "  commit-to-visible latency: p50 %.1f ms  p99 %.1f ms  max %.1f ms  (a read_committed consumer)%n"
                        + "  writer commit time:        p50 %.2f ms  p99 %.2f ms  max %.1f ms%n  WAL file at most:          %,d bytes",
                rows, snapshotSeconds, rows / snapshotSeconds, startSeconds, rows / startSeconds, n - warm, commitsPerSecond, WARM_UP_SECONDS, pct(ackLatency, 0, warm, 99),
                pct(ackLatency, warm, n, 50), pct(ackLatency, warm, n, 99), pct(ackLatency, warm, n, 100),
                pct(latency, warm, n, 50), pct(latency, warm, n, 99), pct(latency, warm, n, 100),
                pct(commitNanos, warm, n, 50), pct(commitNanos, warm, n, 99), pct(commitNanos, warm, n, 100), maxWal);
    }

    /** Fills {@code latency[i]} (ns) when the tailer's Kafka transaction holding live row {@code rows + 1 + i} is acknowledged. */
    private static void acknowledged(List<WalTransaction> txs, int rows, long[] latency) {
        long now = System.nanoTime();
        for (WalTransaction tx : txs) {
            for (TableChanges tc : tx.tables()) {
                int committed = tc.columns().indexOf("committed_ns");
                for (RowChange rc : tc.changes()) {
                    long id = (Long) rc.key().get(0);
                    if (rc.after() != null && id > rows && committed >= 0 && rc.after().get(committed) instanceof Long ns && ns > 0) {
                        latency[(int) (id - rows - 1)] = now - ns;
                    }
                }
            }
        }
    }

    private static KafkaConsumer<GenericRecord, GenericRecord> consumer(String kafka, String registryUrl, String topic) {
        SchemaRegistryClient registry = new SchemaRegistryClient(registryUrl);
        KafkaConsumer<GenericRecord, GenericRecord> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka, "group.id", "bench-" + topic,
                "auto.offset.reset", "earliest", "isolation.level", "read_committed"), new AvroSerde(registry, true), new AvroSerde(registry, false));
        // start after the snapshot's records: the latency is of live commits, not of reading the backlog
        var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
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
