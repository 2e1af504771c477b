package io.tributary.sink.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import io.tributary.testkit.LocalPostgres;
import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import static org.awaitility.Awaitility.await;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink through a real broker: a target that goes down mid-stream makes it wait and lose nothing, an
 * undecodable record goes to the dead-letter topic, and a second group builds an identical second copy.
 */
class ServiceSinkIT {
    @TempDir
    Path dir;

    private static PipelineConfig config(String name, String group, String url) {
        PipelineConfig.Service svc = new PipelineConfig.Service(name, group, new PipelineConfig.Database(url, "postgres", Secret.NONE),
                List.of(SinkEvents.ITEMS.table()), Map.of(), Duration.ofMinutes(10));
        return new PipelineConfig(new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of()),
                new PipelineConfig.Registry(TestServers.registryUrl(), "BACKWARD"), List.of(), List.of(svc), Map.of());
    }

    private static long count(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM items")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException notYet) {
            return -1; // the table does not exist yet, or the server is down
        }
    }

    private static String digest(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT md5(string_agg(i::text, '|' ORDER BY id)) FROM (SELECT id, name, qty, price, updated_at, notes FROM items) i")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, AvroSerde keys, AvroSerde values, int from, int to) {
        for (int i = from; i <= to; i++) {
            ChangeEvent e = new ChangeEvent(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(i, "n" + i, i + ".25", i / 3.0, (long) i, null),
                    Position.of(0, i, i, 0), System.currentTimeMillis(), "false", "postgresql", "db", null, null);
            producer.send(new ProducerRecord<>(topic, keys.serialize(topic, Envelope.key(e)), values.serialize(topic, Envelope.value(e))));
        }
    }

    @Test
    void aTargetRestartLosesNothingBadRecordsAreDeadLetteredAndASecondGroupBuildsTheSameCopy() throws Exception {
        String topic = "svc-restart.items";
        TestServers.createTopics(topic, "tributary.dlq.sink.svc-restart");
        LocalPostgres target = LocalPostgres.startPersistent(dir.resolve("target"));
        LocalPostgres.createDatabase(target.jdbcUrl("postgres"), "t");
        String url = target.jdbcUrl("t");
        String copyUrl = TestServers.newDatabase("sink_second_copy");
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        int n = 3000;
        AvroSerde keys = new AvroSerde(registry, true);
        AvroSerde values = new AvroSerde(registry, false);
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        ServiceSink sink = new ServiceSink(config("svc-restart", "g-restart", url), config("svc-restart", "g-restart", url).services().get(0),
                registry, metrics);
        Thread t = new Thread(sink, "sink-under-test");
        t.start();
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            // the first half lands (a bad record among it) before the target goes away...
            send(producer, topic, keys, values, 1, n / 2);
            producer.send(new ProducerRecord<>(topic, "k".getBytes(), "not avro".getBytes()));
            producer.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> count(url) == n / 2);
            target.stop();
            // ...the second half arrives while it is gone: the sink must fail to write it, retry, and stay alive
            send(producer, topic, keys, values, n / 2 + 1, n);
            producer.flush();
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> metrics.counter("tributary.errors", "stage", "sink", "service", "svc-restart",
                "kind", "retriable").count() >= 1);
        assertTrue(sink.alive(), "the sink waits instead of failing");
        target.startAgain();
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> count(url) == n);
        assertEquals(n, count(url), "every row arrived after the restart");

        PipelineConfig second = config("svc-restart", "g-second-copy", copyUrl);
        ServiceSink copy = new ServiceSink(second, second.services().get(0), registry, new SimpleMeterRegistry());
        Thread t2 = new Thread(copy, "second-copy");
        t2.start();
        await().atMost(Duration.ofSeconds(120)).until(() -> count(copyUrl) == n);
        sink.close();
        copy.close();
        t.join(30_000);
        t2.join(30_000);
        assertEquals(digest(url), digest(copyUrl), "a second group with another target builds an identical copy");

        List<String> reasons = new ArrayList<>();
        try (var consumer = new KafkaConsumer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap(), "group.id", "dlq-reader",
                "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("tributary.dlq.sink.svc-restart"));
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (reasons.isEmpty() && System.nanoTime() < until) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    assertNotNull(r.headers().lastHeader("tributary.offset"));
                    assertEquals(topic, new String(r.headers().lastHeader("tributary.topic").value()));
                    reasons.add(new String(r.headers().lastHeader("tributary.error").value()));
                });
            }
        }
        assertEquals(1, reasons.stream().distinct().count(), reasons.toString());
        assertTrue(reasons.get(0).contains("cannot decode") && reasons.get(0).contains("wire format"), reasons.get(0));
        target.close();
    }
}
