package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.RegistryWait;
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
import io.tributary.testkit.TestServers;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A resync reads back what a table's topic holds ({@link HeldRows}), which needs each record's schema from the
 * registry: a registry that does not answer then (a relay in front of the real one that closes every connection)
 * is waited out, counted as a retriable error, as the capture's writes wait, instead of failing the resync and
 * stopping the capture; once the relay forwards to the real registry every held row is read.
 */
class HeldRowsRegistryOutageIT {
    @Test
    void readingBackATopicWaitsForTheRegistry() throws Exception {
        String name = "heldwait" + Long.toHexString(System.nanoTime());
        TableSchema items = new TableSchema(new TableRef(name, "main", "items"), List.of(
                new Column("id", ColumnType.INT64, "INTEGER", false),
                new Column("name", ColumnType.TEXT, "TEXT", true)), List.of("id"));
        String topic = items.table().topic();
        TestServers.createTopics(topic);
        int n = 5;
        send(items, topic, n);
        URI good = URI.create(TestServers.registryUrl());
        PipelineConfig.Kafka kafka = new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of());
        Counter failures = new SimpleMeterRegistry().counter("tributary.errors", "kind", "retriable");
        try (TcpRelay relay = new TcpRelay(good.getHost(), good.getPort());
             RegistryWait wait = new RegistryWait("test source=" + name, failures)) {
            relay.down();
            SchemaRegistryClient registry = new SchemaRegistryClient("http://127.0.0.1:" + relay.port() + good.getPath());
            try (HeldRows held = new HeldRows(kafka, registry, wait)) {
                FutureTask<Map<List<Object>, HeldRows.Held>> read = new FutureTask<>(() -> held.read(topic, 0));
                Thread reading = new Thread(read, "held-rows-under-test");
                reading.start();
                try {
                    Awaitility.await("a registry failure counted while the read waits").atMost(Duration.ofSeconds(120))
                            .until(() -> read.isDone() || failures.count() >= 1);
                    assertFalse(read.isDone(), () -> "the read gave up while the registry was down: " + outcome(read));

                    relay.target(good.getHost(), good.getPort());
                    assertEquals(n, read.get(120, TimeUnit.SECONDS).size(), "every held row is read once the registry answers");
                } finally {
                    wait.close(); // a read still waiting gives up, so that the consumer is free to close
                    reading.join(60_000);
                }
            }
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

    private static String outcome(FutureTask<?> read) {
        try {
            return String.valueOf(read.get());
        } catch (Exception e) {
            return e.toString();
        }
    }
}
