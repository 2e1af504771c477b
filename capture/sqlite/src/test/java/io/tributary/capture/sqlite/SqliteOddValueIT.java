package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
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
 * Values SQLite accepts but the column's contract type cannot carry ('t' in a BOOLEAN column, 2.5 in an
 * INTEGER column), in the snapshot and in the stream: each such row goes to the source's dead-letter topic
 * with the reason, every other row arrives, and the capture never stops (it used to exit, and the next
 * snapshot hit the same value: a crash loop).
 */
class SqliteOddValueIT {
    @TempDir
    Path dir;

    @Test
    void aValueTheColumnCannotCarryIsDeadLetteredAndTheSourceGoesOn() throws Exception {
        String name = "odd" + Long.toHexString(System.nanoTime());
        Path db = dir.resolve("app.db");
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA busy_timeout = 5000");
            s.execute("CREATE TABLE flags (id INTEGER PRIMARY KEY, active BOOLEAN, n INTEGER)");
            s.execute("INSERT INTO flags VALUES (1, 1, 5), (2, 't', 6), (3, 0, 7)");
            TableRef ref = new TableRef(name, "main", "flags");
            PipelineConfig.Source source = new PipelineConfig.Source(name, new PipelineConfig.Sqlite(db, Duration.ofMillis(20), 64), null, List.of(ref));
            PipelineConfig.Kafka kafka = new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of());
            KafkaSetup.ensureTopics(kafka, List.of(ref.topic(), Topics.positions(name), Topics.generations(name)));
            KafkaSetup.ensureTopics(kafka, List.of(CaptureDeadLetters.topic(name)), KafkaSetup.DEAD_LETTER_TOPIC);
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            SqliteTailer tailer = new SqliteTailer(kafka, source, new SchemaRegistryClient(TestServers.registryUrl()), metrics);
            Thread thread = new Thread(tailer, "tailer-odd");
            thread.start();
            try {
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> tailer.streaming() || tailer.failure() != null);
                assertNull(tailer.failure(), "an odd value in the snapshot does not stop the capture");
                s.execute("INSERT INTO flags VALUES (4, 1, 2.5)");
                s.execute("INSERT INTO flags VALUES (5, 1, 9)");
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> tailer.committedTransactions() >= 2 || tailer.failure() != null);
                assertNull(tailer.failure(), "an odd value in the stream does not stop the capture");

                Map<Long, Long> rows = new TreeMap<>();
                List<GenericRecord> deadLetters = new ArrayList<>();
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                    read(kafka, ref.topic(), CaptureDeadLetters.topic(name), rows, deadLetters);
                    return rows.size() >= 3 && deadLetters.size() >= 2;
                });
                assertEquals(Map.of(1L, 5L, 3L, 7L, 5L, 9L), rows, "every row a column can carry arrives");
                assertEquals(2, deadLetters.size(), deadLetters::toString);
                assertEquals("r", deadLetters.get(0).get("op").toString());
                assertEquals("[2]", deadLetters.get(0).get("key").toString());
                assertTrue(deadLetters.get(0).get("reason").toString().contains("flags.active"), deadLetters.get(0)::toString);
                assertEquals("c", deadLetters.get(1).get("op").toString());
                assertTrue(deadLetters.get(1).get("reason").toString().contains("flags.n"), deadLetters.get(1)::toString);
                assertEquals(2.0, metrics.counter("tributary.errors", "stage", "capture-sqlite", "service", name, "kind", "dead_letter").count());
            } finally {
                tailer.close();
                thread.join(30_000);
            }
        }
    }

    private static void read(PipelineConfig.Kafka kafka, String topic, String dlq, Map<Long, Long> rows, List<GenericRecord> deadLetters) {
        rows.clear();
        deadLetters.clear();
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        Map<String, Object> props = KafkaSetup.base(kafka);
        props.put("isolation.level", "read_committed");
        props.put("group.id", "odd-" + System.nanoTime());
        props.put("auto.offset.reset", "earliest");
        try (var consumer = new KafkaConsumer<GenericRecord, GenericRecord>(props, new AvroSerde(registry, true), new AvroSerde(registry, false))) {
            consumer.subscribe(List.of(topic, dlq));
            int empty = 0;
            while (empty < 3) {
                var records = consumer.poll(Duration.ofMillis(500));
                empty = records.isEmpty() ? empty + 1 : 0;
                for (ConsumerRecord<GenericRecord, GenericRecord> rec : records) {
                    if (rec.topic().equals(dlq)) {
                        deadLetters.add(rec.value());
                    } else if (rec.value() != null) {
                        ChangeEvent e = Envelope.read(rec.key(), rec.value());
                        rows.put(((Number) e.after().get("id")).longValue(), ((Number) e.after().get("n")).longValue());
                    }
                }
            }
        }
    }
}
