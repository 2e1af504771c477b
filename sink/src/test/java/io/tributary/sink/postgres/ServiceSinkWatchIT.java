package io.tributary.sink.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The sink's watcher, on a real broker and PostgreSQL: it is told positions only when what was polled is
 * applied and committed, and the positions reach the partition's end offset although the events were written
 * in Kafka transactions (whose commit markers keep the last record's offset one below the end).
 */
class ServiceSinkWatchIT {
    @Test
    void positionsReachTheEndOffsetOnlyWhenEveryRowIsApplied() throws Exception {
        String topic = "svc-watch.items";
        TestServers.createTopics(topic, "tributary.dlq.sink.svc-watch");
        String url = TestServers.newDatabase("sink_watch");
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        int n = 2000;
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap(),
                "transactional.id", "svc-watch-test"), new ByteArraySerializer(), new ByteArraySerializer())) {
            AvroSerde keys = new AvroSerde(registry, true);
            AvroSerde values = new AvroSerde(registry, false);
            producer.initTransactions();
            for (int batch = 0; batch < 4; batch++) {
                producer.beginTransaction();
                for (int i = batch * n / 4 + 1; i <= (batch + 1) * n / 4; i++) {
                    ChangeEvent e = new ChangeEvent(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(i, "n" + i, i + ".25", i / 3.0, (long) i, null),
                            Position.of(0, i, i, 0), System.currentTimeMillis(), "false", "postgresql", "db", null, null);
                    producer.send(new ProducerRecord<>(topic, keys.serialize(topic, Envelope.key(e)), values.serialize(topic, Envelope.value(e))));
                }
                producer.commitTransaction();
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        long end;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()))) {
            end = admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get().get(tp).offset();
        }
        assertEquals(n + 4, end, "each transaction's commit marker takes an offset");

        PipelineConfig.Service svc = new PipelineConfig.Service("svc-watch", "g-watch", new PipelineConfig.Database(url, "postgres", Secret.NONE),
                List.of(SinkEvents.ITEMS.table()), Map.of(), Duration.ofMinutes(10));
        PipelineConfig config = new PipelineConfig(new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of()),
                new PipelineConfig.Registry(TestServers.registryUrl(), "BACKWARD"), List.of(), List.of(svc), Map.of());
        CountDownLatch caughtUp = new CountDownLatch(1);
        AtomicLong rowsWhenCaughtUp = new AtomicLong(-1);
        AtomicReference<String> wrong = new AtomicReference<>();
        ServiceSink sink = new ServiceSink(config, svc, registry, new SimpleMeterRegistry()).watch(positions -> {
            long pos = positions.getOrDefault(tp, 0L);
            long rows = count(url);
            if (pos > end) {
                wrong.set("position " + pos + " past the end " + end);
            }
            if (rows < Math.min(pos, n)) {
                wrong.set("told position " + pos + " with only " + rows + " rows applied");
            }
            if (pos == end && caughtUp.getCount() > 0) {
                rowsWhenCaughtUp.set(rows);
                caughtUp.countDown();
            }
        });
        Thread t = new Thread(sink, "sink-watched");
        t.start();
        try {
            assertTrue(caughtUp.await(120, TimeUnit.SECONDS), "the watcher was never told the end offset");
            assertNull(wrong.get());
            assertEquals(n, rowsWhenCaughtUp.get(), "at the end offset every row is in the target");
        } finally {
            sink.close();
            t.join(30_000);
        }
        assertNull(sink.failure());
    }

    private static long count(String url) {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM items")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException notYet) {
            return 0; // the table is created with the first batch
        }
    }
}
