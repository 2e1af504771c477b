package io.tributary.sink.postgres;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * An apply that takes longer than {@code max.poll.interval.ms}: the target table is locked by another
 * session for several poll intervals while a batch waits on it. The sink must stay in its group, commit the
 * batch's offsets once the lock goes, and lose or repeat nothing.
 */
class ServiceSinkSlowTargetIT {
    private static final int POLL_INTERVAL_MS = 2000;

    private static long value(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException notYet) {
            return -1; // the table does not exist yet
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, AvroSerde keys, AvroSerde values, int from, int to) {
        for (int i = from; i <= to; i++) {
            ChangeEvent e = new ChangeEvent(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(i, "n" + i, "1", 1.0, (long) i, null),
                    Position.of(0, i, i, 0), System.currentTimeMillis(), "false", "postgresql", "db", null, null);
            producer.send(new ProducerRecord<>(topic, keys.serialize(topic, Envelope.key(e)), values.serialize(topic, Envelope.value(e))));
        }
        producer.flush();
    }

    @Test
    void anApplyLongerThanTheMaxPollIntervalKeepsTheSinkInItsGroup() throws Exception {
        String service = "svc-slow";
        String topic = service + ".items";
        TestServers.createTopics(topic, "tributary.dlq.sink." + service);
        String url = TestServers.newDatabase("sink_slow_target");
        PipelineConfig.Service svc = new PipelineConfig.Service(service, "g-slow", new PipelineConfig.Database(url, "postgres", Secret.NONE),
                List.of(SinkEvents.ITEMS.table()), Map.of(), Duration.ofMinutes(10));
        PipelineConfig config = new PipelineConfig(new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1,
                Map.of("max.poll.interval.ms", String.valueOf(POLL_INTERVAL_MS))),
                new PipelineConfig.Registry(TestServers.registryUrl(), "BACKWARD"), List.of(), List.of(svc), Map.of());
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        AvroSerde keys = new AvroSerde(registry, true);
        AvroSerde values = new AvroSerde(registry, false);
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        ServiceSink sink = new ServiceSink(config, svc, registry, metrics);
        Thread t = new Thread(sink, "sink-slow-target");
        t.start();
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()),
                new ByteArraySerializer(), new ByteArraySerializer());
             Connection locker = DriverManager.getConnection(url, "postgres", "")) {
            send(producer, topic, keys, values, 1, 100);
            await().atMost(Duration.ofSeconds(120)).until(() -> value(url, "SELECT count(*) FROM items") == 100);

            locker.setAutoCommit(false);
            try (Statement s = locker.createStatement()) {
                s.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE");
            }
            send(producer, topic, keys, values, 101, 200);
            // the sink's batch has waited on the lock for three poll intervals
            await().atMost(Duration.ofSeconds(120)).until(() -> value(url, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    + "AND datname = current_database() AND now() - query_start > make_interval(secs => " + 3 * POLL_INTERVAL_MS / 1000 + ")") > 0);
            locker.rollback();
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> value(url, "SELECT count(*) FROM items") == 200);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                var committed = admin.listConsumerGroupOffsets("g-slow").partitionsToOffsetAndMetadata().get().get(new TopicPartition(topic, 0));
                return committed != null && committed.offset() == 200 || sink.failure() != null;
            });
        }
        assertNull(sink.failure(), "the sink is still running");
        assertEquals(200, value(url, "SELECT count(*) FROM items"));
        assertEquals(0, metrics.counter("tributary.sink.rows", "service", service, "table", topic, "outcome", "dead_letter").count());
        sink.close();
        t.join(30_000);
    }
}
