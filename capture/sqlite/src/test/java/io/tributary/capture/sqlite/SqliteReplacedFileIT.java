package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database file replaced under a running capture (a restore from a backup): the capture notices the
 * new file, counts a gap and takes a new generation from the new file; replaying the newest generation of
 * the topic equals the new file, and changes to the new file after the restore stream on.
 */
class SqliteReplacedFileIT {
    @TempDir
    Path dir;

    @Test
    void aRestoredBackupIsANewGenerationFromTheNewFile() throws Exception {
        String name = "replaced" + Long.toHexString(System.nanoTime());
        Path db = dir.resolve("app.db");
        Path backup = dir.resolve("backup.db");
        for (Path p : List.of(db, backup)) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + p); Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
                s.execute(p.equals(db) ? "INSERT INTO t VALUES (1, 'live'), (2, 'live'), (3, 'live')"
                        : "INSERT INTO t VALUES (1, 'backup'), (7, 'backup')");
            }
        }
        TableRef ref = new TableRef(name, "main", "t");
        PipelineConfig.Source source = new PipelineConfig.Source(name, new PipelineConfig.Sqlite(db, Duration.ofMillis(20), 64), null, List.of(ref));
        PipelineConfig.Kafka kafka = new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of());
        KafkaSetup.ensureTopics(kafka, List.of(ref.topic(), Topics.positions(name), Topics.generations(name)));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        SqliteTailer tailer = new SqliteTailer(kafka, source, new SchemaRegistryClient(TestServers.registryUrl()), metrics);
        Thread thread = new Thread(tailer, "tailer-replaced");
        thread.start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> tailer.streaming() || tailer.failure() != null);
            assertNull(tailer.failure());
            try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
                s.execute("INSERT INTO t VALUES (4, 'live')");
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> tailer.committedTransactions() >= 1);

            // the restore: the application is stopped, its WAL and wal-index removed, the backup moved into place
            Files.deleteIfExists(Path.of(db + "-wal"));
            Files.deleteIfExists(Path.of(db + "-shm"));
            Files.move(backup, db, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
                s.execute("INSERT INTO t VALUES (8, 'after the restore')");
                s.execute("UPDATE t SET v = 'changed after the restore' WHERE id = 1");

                Map<Long, String> expected = Map.of(1L, "changed after the restore", 7L, "backup", 8L, "after the restore");
                assertEquals(expected, select(app));
                Map<Long, String>[] replayed = new Map[1];
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> tailer.failure() != null || expected.equals(replayed[0] = newestGeneration(kafka, ref)));
                assertNull(tailer.failure());
                assertEquals(expected, replayed[0], "the newest generation of the topic is the restored file and its later changes");
            }
            assertTrue(metrics.counter("tributary.capture.gaps", "source", name).count() >= 1, "the replaced file is counted as a gap");
        } finally {
            tailer.close();
            thread.join(30_000);
        }
    }

    private static Map<Long, String> select(Connection c) throws SQLException {
        Map<Long, String> rows = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, v FROM t")) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getString(2));
            }
        }
        return rows;
    }

    /** The rows of the topic's newest generation, replayed in order (what a sink keeps once the generation marker is in). */
    private static Map<Long, String> newestGeneration(PipelineConfig.Kafka kafka, TableRef ref) {
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        Map<String, Object> props = KafkaSetup.base(kafka);
        props.put("isolation.level", "read_committed");
        props.put("group.id", "replaced-" + System.nanoTime());
        props.put("auto.offset.reset", "earliest");
        Map<Long, String> rows = new TreeMap<>();
        long generation = -1;
        try (var consumer = new KafkaConsumer<GenericRecord, GenericRecord>(props, new AvroSerde(registry, true), new AvroSerde(registry, false))) {
            consumer.subscribe(List.of(ref.topic()));
            int empty = 0;
            while (empty < 3) {
                var records = consumer.poll(Duration.ofMillis(500));
                empty = records.isEmpty() ? empty + 1 : 0;
                for (ConsumerRecord<GenericRecord, GenericRecord> rec : records) {
                    if (rec.value() == null) {
                        continue;
                    }
                    ChangeEvent e = Envelope.read(rec.key(), rec.value());
                    long g = e.position().parts()[0];
                    if (g > generation) {
                        generation = g;
                        rows.clear();
                    } else if (g < generation) {
                        continue;
                    }
                    if (e.op() == Op.DELETE) {
                        rows.remove(((Number) e.before().get("id")).longValue());
                    } else {
                        rows.put(((Number) e.after().get("id")).longValue(), String.valueOf(e.after().get("v")));
                    }
                }
            }
        }
        return rows;
    }
}
