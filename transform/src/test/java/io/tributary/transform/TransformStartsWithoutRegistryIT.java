package io.tributary.transform;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TcpRelay;
import io.tributary.testkit.ScrapedMetrics;
import io.tributary.testkit.TestServers;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transform deployable ({@link TransformApp#run}, start-up checks included) started while its schema
 * registry does not answer (a relay in front of the real one that closes every connection): it starts instead
 * of exiting 2, as if the pipeline file were wrong, waits (a retriable error counted), and once the relay
 * forwards to the real registry transforms every record, none dead-lettered.
 */
class TransformStartsWithoutRegistryIT {
    @TempDir
    Path dir;

    @Test
    void startsWhileTheRegistryIsDownAndTransformsOnceItAnswers() throws Exception {
        String name = "trstart" + Long.toHexString(System.nanoTime());
        TableSchema items = new TableSchema(new TableRef(name, "main", "items"), List.of(
                new Column("id", ColumnType.INT64, "INTEGER", false),
                new Column("name", ColumnType.TEXT, "TEXT", true)), List.of("id"));
        String input = items.table().topic();
        String output = name + ".items";
        String dlq = "tributary.dlq.transform." + name;
        TestServers.createTopics(input, output);
        int n = 20;
        send(items, input, n);
        URI good = URI.create(TestServers.registryUrl());
        int port = io.tributary.testkit.Ports.free();
        try (TcpRelay relay = new TcpRelay(good.getHost(), good.getPort())) {
            relay.down();
            Path pipeline = dir.resolve("pipeline.yaml");
            Files.writeString(pipeline, """
                    kafka: { bootstrap: "%s" }
                    registry: { url: "http://127.0.0.1:%d%s" }
                    sources:
                      - name: %s
                        sqlite: { path: "%s" }
                        tables: [items]
                    services:
                      - name: %s
                        target: { url: "jdbc:postgresql://127.0.0.1:1/unused", user: u }
                        tables: [%s.main.items]
                    http: { transform: %d }
                    state: { dir: "%s" }
                    """.formatted(TestServers.kafkaBootstrap(), relay.port(), good.getPath(), name, dir.resolve("unused.db"), name, name,
                    port, dir.resolve("state")));
            CountDownLatch stop = new CountDownLatch(1);
            FutureTask<Integer> exit = new FutureTask<>(() -> TransformApp.run(new String[] {"--config", pipeline.toString()}, stop));
            new Thread(exit, "transform-under-test").start();
            try {
                // started (its dead-letter topic is made by start()) and then failing on the registry, not exited
                await("the transform starts and meets the outage").atMost(Duration.ofSeconds(240))
                        .until(() -> exit.isDone() || ScrapedMetrics.sum(port, "tributary_errors_total", "kind=\"retriable\"", "service=\"" + name + "\"") >= 1);
                assertFalse(exit.isDone(), () -> "the transform exited while the registry was down: exit " + ScrapedMetrics.exitCode(exit));
                assertEquals(0, TestServers.endOffset(output), "nothing transformed without the registry");

                relay.target(good.getHost(), good.getPort());
                long[] seen = {0};
                try (var consumer = new KafkaConsumer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap(),
                        "group.id", "reader-" + name, "auto.offset.reset", "earliest", "isolation.level", "read_committed"),
                        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(output));
                    await("every record transformed once the registry answers").atMost(Duration.ofSeconds(300))
                            .until(() -> {
                                seen[0] += consumer.poll(Duration.ofMillis(200)).count();
                                return seen[0] >= n || exit.isDone();
                            });
                }
                assertFalse(exit.isDone(), () -> "the transform exited: exit " + ScrapedMetrics.exitCode(exit));
                assertEquals(n, seen[0]);
                assertEquals(0, TestServers.endOffset(dlq), "nothing was dead-lettered for the registry's outage");
            } finally {
                stop.countDown();
            }
            assertEquals(0, exit.get(120, TimeUnit.SECONDS), "a clean stop");
        }
    }

    private static void send(TableSchema items, String topic, int n) {
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        AvroSerde keys = new AvroSerde(registry, true);
        AvroSerde values = new AvroSerde(registry, false);
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 1; i <= n; i++) {
                ChangeEvent e = new ChangeEvent(items, Op.CREATE, null, Map.of("id", (long) i, "name", "n" + i), Position.of(0, i, i, 0),
                        System.currentTimeMillis(), "false", "sqlite", "db", null, null);
                producer.send(new ProducerRecord<>(topic, keys.serialize(topic, Envelope.key(e)), values.serialize(topic, Envelope.value(e))));
            }
            producer.flush();
        }
    }
}
