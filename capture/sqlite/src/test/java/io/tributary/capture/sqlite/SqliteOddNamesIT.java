package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SQLite table whose name has a '$' and whose column names Avro refuses (a space, '-', '$', a leading
 * digit): captured to a valid topic name, and read back (snapshot and stream) with the table and columns
 * as the source names them. It used to stop the capture (an invalid topic name, an Avro field name refused).
 */
class SqliteOddNamesIT {
    @TempDir
    Path dir;

    @Test
    void namesAvroAndKafkaRefuseAreMappedAndTheSourceNamesKept() throws Exception {
        String name = "names" + Long.toHexString(System.nanoTime());
        Path db = dir.resolve("app.db");
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA busy_timeout = 5000");
            s.execute("CREATE TABLE \"order$lines\" (\"line no\" INTEGER PRIMARY KEY, \"e-mail\" TEXT, \"$price\" REAL, \"2fa\" INTEGER)");
            s.execute("INSERT INTO \"order$lines\" VALUES (1, 'a@x', 2.5, 1)");
            TableRef ref = new TableRef(name, "main", "order$lines");
            assertEquals(name + ".main.order_lines", ref.topic());
            PipelineConfig.Source source = new PipelineConfig.Source(name, new PipelineConfig.Sqlite(db, Duration.ofMillis(20), 64), null, List.of(ref));
            PipelineConfig.Kafka kafka = new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of());
            KafkaSetup.ensureTopics(kafka, List.of(ref.topic(), Topics.positions(name), Topics.generations(name)));
            SqliteTailer tailer = new SqliteTailer(kafka, source, new SchemaRegistryClient(TestServers.registryUrl()), new SimpleMeterRegistry());
            Thread thread = new Thread(tailer, "tailer-names");
            thread.start();
            try {
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> tailer.streaming() || tailer.failure() != null);
                assertNull(tailer.failure());
                s.execute("INSERT INTO \"order$lines\" VALUES (2, 'b@x', 3.5, 0)");
                List<ChangeEvent> events = new ArrayList<>();
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> tailer.failure() != null || read(kafka, ref.topic(), events) >= 2);
                assertNull(tailer.failure());
                assertEquals("order$lines", events.get(0).schema().table().table());
                assertEquals(List.of("line no", "e-mail", "$price", "2fa"), events.get(0).schema().columns().stream().map(c -> c.name()).toList());
                assertEquals(List.of("line no"), events.get(0).schema().primaryKey());
                assertEquals(Map.of("line no", 1L, "e-mail", "a@x", "$price", 2.5, "2fa", 1L), events.get(0).after());
                assertEquals(Map.of("line no", 2L, "e-mail", "b@x", "$price", 3.5, "2fa", 0L), events.get(1).after());
            } finally {
                tailer.close();
                thread.join(30_000);
            }
        }
    }

    private static int read(PipelineConfig.Kafka kafka, String topic, List<ChangeEvent> events) {
        events.clear();
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        Map<String, Object> props = KafkaSetup.base(kafka);
        props.put("isolation.level", "read_committed");
        props.put("group.id", "names-" + System.nanoTime());
        props.put("auto.offset.reset", "earliest");
        try (var consumer = new KafkaConsumer<GenericRecord, GenericRecord>(props, new AvroSerde(registry, true), new AvroSerde(registry, false))) {
            consumer.subscribe(List.of(topic));
            int empty = 0;
            while (empty < 3) {
                var records = consumer.poll(Duration.ofMillis(500));
                empty = records.isEmpty() ? empty + 1 : 0;
                for (ConsumerRecord<GenericRecord, GenericRecord> rec : records) {
                    if (rec.value() != null) {
                        events.add(Envelope.read(rec.key(), rec.value()));
                    }
                }
            }
        }
        return events.size();
    }
}
