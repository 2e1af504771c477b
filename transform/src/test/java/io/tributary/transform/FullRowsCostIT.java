package io.tributary.transform;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import io.tributary.transform.route.ServiceTopology;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.junit.jupiter.api.Test;

/**
 * What the store of full rows costs the transform: the same per-table topic (inserts of a 1,000-character
 * body, then three updates each that leave the body out) transformed with and without the store, alternately,
 * on the real broker and registry. Prints events per second; asserts only that each run completes. A
 * measurement, not a check: it runs only when asked, {@code -Dtributary.it.fullrows.events=100000} (figures
 * in docs/operations.md).
 */
class FullRowsCostIT {
    static final int EVENTS = Integer.getInteger("tributary.it.fullrows.events", 0);

    @Test
    void measuresTheTransformWithAndWithoutTheStoreOfFullRows() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(EVENTS > 0, "a measurement, run only when asked: -Dtributary.it.fullrows.events=100000");
        String source = "fr" + Long.toHexString(System.nanoTime());
        TableRef table = new TableRef(source, "public", "docs");
        TableSchema schema = new TableSchema(table, List.of(new Column("id", ColumnType.INT64, "int8", false),
                new Column("title", ColumnType.TEXT, "text", false), new Column("body", ColumnType.TEXT, "text", true)), List.of("id"));
        TestServers.createTopics(table.topic());
        produce(schema);
        for (int round = 0; round < 2; round++) {
            for (boolean store : new boolean[] {false, true}) {
                String service = source + "-" + (store ? "store" : "plain") + round;
                TestServers.createTopics(Topics.perService(service, "docs"), Topics.deadLetters("transform", service));
                double rate = run(table, service, store);
                System.out.printf("transform %s the store of full rows: %,d events in %,.0f events/s%n", store ? "with" : "without", EVENTS, rate);
            }
        }
    }

    private static void produce(TableSchema schema) {
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        AvroSerde keys = new AvroSerde(registry, true);
        AvroSerde values = new AvroSerde(registry, false);
        Properties p = new Properties();
        p.put("bootstrap.servers", TestServers.kafkaBootstrap());
        p.put("linger.ms", 20);
        String body = "b".repeat(1_000);
        int rows = EVENTS / 4;
        try (KafkaProducer<org.apache.avro.generic.GenericRecord, org.apache.avro.generic.GenericRecord> producer = new KafkaProducer<>(p, keys, values)) {
            for (int v = 0; v < 4; v++) {
                for (long id = 0; id < rows; id++) {
                    Map<String, Object> row = new HashMap<>();
                    row.put("id", id);
                    row.put("title", "t" + v);
                    row.put("body", v == 0 ? body : null);
                    ChangeEvent e = new ChangeEvent(schema, v == 0 ? Op.CREATE : Op.UPDATE, null, row, Position.of(1, v, id, 0), 1L, "false",
                            "postgresql", "db", 1L, 1L, v == 0 ? List.of() : List.of("body"));
                    producer.send(new ProducerRecord<>(schema.table().topic(), Envelope.key(e), Envelope.value(e)));
                }
            }
        }
    }

    private static double run(TableRef table, String service, boolean store) throws Exception {
        PipelineConfig.Service svc = new PipelineConfig.Service(service, "g", new PipelineConfig.Database("jdbc:postgresql://x/y", "u", Secret.NONE),
                List.of(table), Map.of(), Duration.ofMinutes(10));
        PipelineConfig config = new PipelineConfig(new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of()),
                new PipelineConfig.Registry(TestServers.registryUrl(), "BACKWARD"), List.of(), List.of(svc), Map.of());
        Properties props = TransformApp.streamsConfig(config, svc);
        props.put("state.dir", java.nio.file.Files.createTempDirectory("fullrows").toString());
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        StreamsBuilder b = new StreamsBuilder();
        ServiceTopology.build(b, svc, new AvroSerde(registry, true), new AvroSerde(registry, false), ServiceTopology.Observer.NONE, t -> store);
        String out = Topics.perService(service, "docs");
        long start = System.nanoTime();
        try (KafkaStreams streams = new KafkaStreams(b.build(), props);
             Admin admin = Admin.create(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()))) {
            streams.start();
            long deadline = start + Duration.ofMinutes(10).toNanos();
            TopicPartition tp = new TopicPartition(out, 0);
            // the end offset counts one transaction marker per commit too: wait for at least every event
            while (admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset() < EVENTS) {
                assertTrue(System.nanoTime() < deadline, "the transform did not write " + EVENTS + " events within 10 minutes");
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
            return EVENTS / ((System.nanoTime() - start) / 1e9);
        }
    }
}
