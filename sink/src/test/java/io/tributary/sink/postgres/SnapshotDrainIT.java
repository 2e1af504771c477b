package io.tributary.sink.postgres;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.Sql;
import io.tributary.testkit.TestServers;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * A re-snapshot on topics of two partitions: the snapshot's last row arrives on one partition while rows of
 * the other are still on their way through the transform. The marker must wait for them (reading the last
 * row proves nothing there), so the target never loses rows the source still has, and applies once Kafka's
 * committed offsets show every row went through the transform and the sink.
 */
class SnapshotDrainIT {
    private static final TableSchema ITEMS = new TableSchema(new TableRef("drain", "public", "items"), SinkEvents.ITEMS.columns(),
            SinkEvents.ITEMS.primaryKey());
    private static final String SERVICE = "svc-drain";
    private static final String SERVICE_TOPIC = Topics.perService(SERVICE, "items");

    private final SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
    private final AvroSerde keys = new AvroSerde(registry, true);
    private final AvroSerde values = new AvroSerde(registry, false);

    @Test
    void aMarkerOnSeveralPartitionsWaitsUntilEveryPartitionsSnapshotRowsAreInTheTarget() throws Exception {
        String url = TestServers.newDatabase("sink_snapshot_drain");
        TestServers.createTopics(2, ITEMS.table().topic(), SERVICE_TOPIC);
        TestServers.createTopics(Topics.generations("drain"), Topics.deadLetters("sink", SERVICE));
        PipelineConfig config = new PipelineConfig(new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 2, Map.of()),
                new PipelineConfig.Registry(TestServers.registryUrl(), "BACKWARD"), List.of(),
                List.of(new PipelineConfig.Service(SERVICE, "g-drain", new PipelineConfig.Database(url, "postgres", Secret.NONE),
                        List.of(ITEMS.table()), Map.of(), Duration.ofMinutes(10))), Map.of());
        ServiceSink sink = new ServiceSink(config, config.services().get(0), registry, new SimpleMeterRegistry());
        Thread t = new Thread(sink, "sink-drain");
        t.start();
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long id = 1; id <= 5; id++) { // generation 1: five rows
                send(producer, SERVICE_TOPIC, (int) (id % 2), row(id, Position.of(1, id, id, 0), Op.CREATE));
            }
            producer.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> count(url, "true") == 5);

            // generation 2's snapshot: rows 1..4 (row 5 was deleted in the source while nobody watched), numbered
            // in the order the capture wrote them; the capture put them on the table's topic, then the marker
            for (long id = 1; id <= 4; id++) {
                send(producer, ITEMS.table().topic(), (int) (id % 2), row(id, Position.of(2, 0, 0, id), Op.READ));
            }
            String markers = Topics.generations("drain");
            GenerationMarker marker = new GenerationMarker("drain", "items", 2, Position.of(2, 0, 0, 4));
            producer.send(new ProducerRecord<>(markers, keys.serialize(markers, marker.key()), values.serialize(markers, marker.value())));
            // the transform has passed on partition 0's rows (the last one, row 4, among them), not yet partition 1's
            send(producer, SERVICE_TOPIC, 0, row(2, Position.of(2, 0, 0, 2), Op.READ));
            send(producer, SERVICE_TOPIC, 0, row(4, Position.of(2, 0, 0, 4), Op.READ));
            producer.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> count(url, "_tributary_pos[1] = 2") == 2
                    && !Sql.rows(url, "SELECT 1 FROM _tributary_floor WHERE service = '" + SERVICE + "' AND "
                    + "(pending_generation = 2 OR generation = 2)").isEmpty());
            assertEquals(List.of(List.of("1"), List.of("3"), List.of("5")),
                    Sql.rows(url, "SELECT id FROM items WHERE _tributary_pos[1] = 1 ORDER BY id"),
                    "rows of partition 1 still on their way stay: the last row read proves nothing about another partition");

            send(producer, SERVICE_TOPIC, 1, row(1, Position.of(2, 0, 0, 1), Op.READ));
            send(producer, SERVICE_TOPIC, 1, row(3, Position.of(2, 0, 0, 3), Op.READ));
            producer.flush();
            commitTransformPastTableTopic();
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> count(url, "true") == 4);
        assertEquals(List.of(List.of("1", "2"), List.of("2", "2"), List.of("3", "2"), List.of("4", "2")),
                Sql.rows(url, "SELECT id, _tributary_pos[1] FROM items ORDER BY id"),
                "the marker applied once every partition's rows were in: row 5, gone from the source, is gone");
        sink.close();
        t.join(30_000);
    }

    /** What the transform's exactly-once commit does once it passed the rows on: its group's offsets past the table topic's rows. */
    private static void commitTransformPastTableTopic() {
        String topic = ITEMS.table().topic();
        try (var consumer = new KafkaConsumer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap(),
                "group.id", KafkaSetup.transformApplicationId(SERVICE)), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
            consumer.endOffsets(partitions).forEach((tp, end) -> ends.put(tp, new OffsetAndMetadata(end)));
            consumer.commitSync(ends);
        }
    }

    private ChangeEvent row(long id, Position position, Op op) {
        return new ChangeEvent(ITEMS, op, null, SinkEvents.item(id, "n" + id + "@" + position.toList().get(0), id + ".5000", id * 0.1, id, null),
                position, 1_700_000_000_000L, "false", "postgresql", "db", null, null);
    }

    private void send(KafkaProducer<byte[], byte[]> producer, String topic, int partition, ChangeEvent e) {
        producer.send(new ProducerRecord<>(topic, partition, keys.serialize(topic, Envelope.key(e)), values.serialize(topic, Envelope.value(e))));
    }

    private static long count(String url, String where) {
        try {
            return Long.parseLong(Sql.rows(url, "SELECT count(*) FROM items WHERE " + where).get(0).get(0));
        } catch (java.sql.SQLException notYet) {
            return -1; // the table does not exist yet
        }
    }
}
