package io.tributary.transform;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
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
import io.tributary.testkit.LocalRegistry;
import io.tributary.testkit.TcpRelay;
import io.tributary.testkit.TestServers;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transform against a schema registry that lost its storage (a second Apicurio, started empty, behind a
 * relay), then the real one (issue 10, item 1): no record is dead-lettered or committed while the registry
 * cannot serve their schemas, and every record comes through once it can.
 */
class TransformRegistryFailureIT {
    private static final TableSchema ITEMS = new TableSchema(new TableRef("trsrc", "public", "items"), List.of(
            new Column("id", ColumnType.INT64, "INT8", false),
            new Column("name", ColumnType.TEXT, "TEXT", true)), List.of("id"));

    @TempDir
    Path dir;

    private static long endOffset(Admin admin, String topic) throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS).get(tp).offset();
    }

    private static OffsetAndMetadata committed(Admin admin, String group, String topic) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(new TopicPartition(topic, 0));
    }

    private static long retriableErrors(SimpleMeterRegistry metrics, String service) {
        return (long) metrics.counter("tributary.errors", "stage", "transform", "service", service, "kind", "retriable").count();
    }

    @Test
    void recordsWhoseSchemaTheRegistryCannotServeWaitAndAreNeverDeadLettered() throws Exception {
        failTheRegistry("trreg", List.of());
    }

    /** The same on the route of a table that is only normalised (a SQLite source's: WireRoute, the records' bytes). */
    @Test
    void onTheBytesRouteToo() throws Exception {
        failTheRegistry("trwire", List.of(new PipelineConfig.Source("trwiresrc",
                new PipelineConfig.Sqlite(dir.resolve("unused.db"), Duration.ofMillis(100)), null, List.of(new TableRef("trwiresrc", "public", "items")))));
    }

    private void failTheRegistry(String service, List<PipelineConfig.Source> sources) throws Exception {
        assumeTrue(LocalRegistry.available(), "needs the Apicurio app unpacked by the testkit build for a second, empty registry");
        TableSchema items = new TableSchema(new TableRef(service + "src", "public", "items"), ITEMS.columns(), ITEMS.primaryKey());
        String input = items.table().topic();
        String output = service + ".items";
        String dlq = TransformApp.deadLetterTopic(new PipelineConfig.Service(service, "g", null, List.of(), Map.of(), Duration.ZERO));
        TestServers.createTopics(input, output, dlq);
        int n = 100;
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        AvroSerde keys = new AvroSerde(registry, true);
        AvroSerde values = new AvroSerde(registry, false);
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 1; i <= n; i++) {
                ChangeEvent e = new ChangeEvent(items, Op.CREATE, null, Map.of("id", (long) i, "name", "n" + i), Position.of(0, i, i, 0),
                        System.currentTimeMillis(), "false", "postgresql", "db", null, null);
                producer.send(new ProducerRecord<>(input, keys.serialize(input, Envelope.key(e)), values.serialize(input, Envelope.value(e))));
            }
        }
        URI good = URI.create(TestServers.registryUrl());
        PipelineConfig.Service svc = new PipelineConfig.Service(service, "unused", new PipelineConfig.Database("jdbc:postgresql://unused/x", "u", Secret.NONE),
                List.of(items.table()), Map.of(), Duration.ofMinutes(10));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (LocalRegistry empty = LocalRegistry.start(dir.resolve("empty-registry"));
             TcpRelay relay = new TcpRelay("127.0.0.1", empty.port());
             Admin admin = Admin.create(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()))) {
            PipelineConfig config = new PipelineConfig(new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of()),
                    new PipelineConfig.Registry("http://127.0.0.1:" + relay.port() + good.getPath(), "BACKWARD"), sources, List.of(svc), Map.of());
            TransformApp app = new TransformApp(config, List.of(svc), metrics);
            try {
                app.start();
                // a failing stream thread is expected here (it is replaced): Awaitility must not count it as the test's failure
                await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(300))
                        .until(() -> retriableErrors(metrics, service) >= 2 || endOffset(admin, dlq) > 0);
                assertTrue(app.alive(), "the transform waits for the registry");
                assertEquals(0, endOffset(admin, dlq), "an unknown schema id is the registry's failure: nothing is dead-lettered");
                assertEquals(0, endOffset(admin, output));
                assertNull(committed(admin, "tributary-transform-" + service, input), "nothing committed past the unread records");

                relay.target(good.getHost(), good.getPort()); // the registry with its storage is back
                long[] seen = {0};
                try (var consumer = new KafkaConsumer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap(),
                        "group.id", "reader-" + service, "auto.offset.reset", "earliest", "isolation.level", "read_committed"),
                        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(output));
                    await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(300)).until(() -> {
                        seen[0] += consumer.poll(Duration.ofMillis(200)).count();
                        return seen[0] >= n;
                    });
                }
                assertEquals(n, seen[0]);
                assertEquals(0, endOffset(admin, dlq), "nothing was dead-lettered on the way");
                assertTrue(app.alive());
            } finally {
                app.close();
            }
        }
    }
}
