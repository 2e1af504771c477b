package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TcpRelay;
import io.tributary.testkit.TestServers;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * capture-sqlite whose schema registry does not answer at its first registration (a relay in front of the real
 * registry that closes every connection) waits for it, counting {@code tributary.errors{kind=retriable}}, instead
 * of stopping; once the relay forwards to the real registry the topic holds the snapshot and the changes made
 * meanwhile, each once (positions grow).
 */
class SqliteRegistryOutageIT {
    @TempDir
    Path dir;

    @Test
    void waitsForTheRegistryThenCapturesEverything() throws Exception {
        String name = "outage" + Long.toHexString(System.nanoTime());
        Path db = dir.resolve("app.db");
        sql(db, "PRAGMA journal_mode = WAL", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", "INSERT INTO items VALUES (1, 'a'), (2, 'b')");
        TableRef items = new TableRef(name, "main", "items");
        PipelineConfig.Source source = new PipelineConfig.Source(name, new PipelineConfig.Sqlite(db, Duration.ofMillis(20)), null, List.of(items));
        PipelineConfig.Kafka kafka = new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of());
        KafkaSetup.ensureTopics(kafka, List.of(items.topic(), Topics.positions(name), Topics.generations(name)));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        URI registry = URI.create(TestServers.registryUrl());
        try (TcpRelay relay = new TcpRelay(registry.getHost(), registry.getPort())) {
            relay.down();
            SqliteTailer tailer = new SqliteTailer(kafka, source,
                    new SchemaRegistryClient("http://127.0.0.1:" + relay.port() + registry.getPath()), metrics);
            Thread thread = new Thread(tailer, "tailer-outage");
            thread.start();
            try {
                Awaitility.await("a registry failure counted while capture-sqlite waits").atMost(Duration.ofSeconds(120))
                        .until(() -> tailer.failure() != null
                                || metrics.counter("tributary.errors", "stage", "capture-sqlite", "service", name, "kind", "retriable").count() >= 1);
                assertNull(tailer.failure(), "capture-sqlite stopped while the registry was down");
                sql(db, "INSERT INTO items VALUES (3, 'while down')", "UPDATE items SET name = 'a2' WHERE id = 1");

                relay.target(registry.getHost(), registry.getPort());
                Awaitility.await("streaming once the registry answers").atMost(Duration.ofSeconds(120))
                        .until(() -> tailer.streaming() || tailer.failure() != null);
                assertNull(tailer.failure());
                sql(db, "INSERT INTO items VALUES (4, 'after')");
                TableSchema schema;
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
                    schema = PragmaTables.read(c, items);
                }
                Map<String, String> expected = TopicReplay.select(db, schema);
                assertEquals(4, expected.size());
                assertEquals(expected, TopicReplay.replayUntilEqual(List.of(items), Map.of("items", expected)).get("items"),
                        "the topic holds every row, each change once");
                assertNull(tailer.failure(), "capture-sqlite runs on");
            } finally {
                tailer.close();
                thread.join(30_000);
            }
        }
    }

    private static void sql(Path db, String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }
}
