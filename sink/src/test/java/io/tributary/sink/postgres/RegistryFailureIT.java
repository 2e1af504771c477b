package io.tributary.sink.postgres;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.LocalRegistry;
import io.tributary.testkit.TcpRelay;
import io.tributary.testkit.TestServers;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failing schema registry is never a bad record (issue 10, item 1): against real registries (a second
 * Apicurio started empty, the same one stopped, a wrong URL path), the sink dead-letters nothing and commits
 * nothing past what it could not read, resumes when the registry is back, stops loudly when it stays broken
 * for registry.retry-for, and a parked record that can no longer be decoded stays parked without stopping
 * later batches.
 */
class RegistryFailureIT {
    @TempDir
    Path dir;

    private final SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());

    private static PipelineConfig config(String service, String group, String targetUrl, PipelineConfig.Registry registry) {
        PipelineConfig.Service svc = new PipelineConfig.Service(service, group, new PipelineConfig.Database(targetUrl, "postgres", Secret.NONE),
                List.of(SinkEvents.ITEMS.table()), Map.of(), Duration.ofMinutes(10));
        return new PipelineConfig(new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of()), registry, List.of(), List.of(svc), Map.of());
    }

    private void send(String topic, int from, int to) {
        AvroSerde keys = new AvroSerde(registry, true);
        AvroSerde values = new AvroSerde(registry, false);
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = from; i <= to; i++) {
                ChangeEvent e = new ChangeEvent(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(i, "n" + i, i + ".25", i / 3.0, (long) i, null),
                        Position.of(0, i, i, 0), System.currentTimeMillis(), "false", "postgresql", "db", null, null);
                producer.send(new ProducerRecord<>(topic, keys.serialize(topic, Envelope.key(e)), values.serialize(topic, Envelope.value(e))));
            }
            producer.flush();
        }
    }

    private static long count(String url) {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM items")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException notYet) {
            return -1; // the table does not exist yet
        }
    }

    private static long endOffset(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS).get(tp).offset();
        }
    }

    private static OffsetAndMetadata committed(String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()))) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .get(new TopicPartition(topic, 0));
        }
    }

    private static double retriableErrors(SimpleMeterRegistry metrics, String service) {
        return metrics.counter("tributary.errors", "stage", "sink", "service", service, "kind", "retriable").count();
    }

    private static Thread start(ServiceSink sink) {
        Thread t = new Thread(sink, "sink-under-test");
        t.start();
        return t;
    }

    @Test
    void anEmptyOrStoppedRegistryDeadLettersAndCommitsNothingAndTheSinkResumesWhenItIsBack() throws Exception {
        assumeTrue(LocalRegistry.available(), "needs the Apicurio app unpacked by the testkit build for a second, empty registry");
        String service = "regfail";
        String topic = service + ".items";
        String dlq = "tributary.dlq.sink." + service;
        TestServers.createTopics(topic, dlq);
        int n = 200;
        send(topic, 1, n);
        URI good = URI.create(TestServers.registryUrl());
        String targetUrl = TestServers.newDatabase("sink_registry_failure");
        try (LocalRegistry empty = LocalRegistry.start(dir.resolve("empty-registry"));
             TcpRelay relay = new TcpRelay("127.0.0.1", empty.port())) {
            // the registry the sink talks to was restarted without its storage: every schema id is unknown there
            String viaRelay = "http://127.0.0.1:" + relay.port() + good.getPath();
            PipelineConfig config = config(service, "g-" + service, targetUrl, new PipelineConfig.Registry(viaRelay, "BACKWARD"));
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            ServiceSink sink = new ServiceSink(config, config.services().get(0), config.registry().client(), metrics);
            Thread t = start(sink);
            await().atMost(Duration.ofSeconds(120)).until(() -> retriableErrors(metrics, service) >= 3 || endOffset(dlq) > 0);
            assertTrue(sink.alive(), "the sink waits for the registry instead of failing at once");
            assertFalse(sink.ready(), "health shows the sink is not ready while the registry fails");
            assertEquals(0, endOffset(dlq), "an unknown schema id is the registry's failure: nothing is dead-lettered");
            assertNull(committed("g-" + service, topic), "nothing is committed past records that could not be read");
            assertTrue(count(targetUrl) <= 0, "nothing was applied");

            // then it is gone altogether (stopped): still waiting, still nothing lost
            relay.down();
            double before = retriableErrors(metrics, service);
            await().atMost(Duration.ofSeconds(120)).until(() -> retriableErrors(metrics, service) > before);
            assertTrue(sink.alive());
            assertEquals(0, endOffset(dlq));
            assertNull(committed("g-" + service, topic));

            // the registry with its storage is back: every record arrives, none dead-lettered
            relay.target(good.getHost(), good.getPort());
            await().atMost(Duration.ofSeconds(120)).until(() -> count(targetUrl) == n);
            await().atMost(Duration.ofSeconds(60)).until(() -> committed("g-" + service, topic) != null
                    && committed("g-" + service, topic).offset() == n);
            await().atMost(Duration.ofSeconds(30)).until(sink::ready);
            assertEquals(0, endOffset(dlq), "nothing was dead-lettered on the way");
            sink.close();
            t.join(30_000);
            assertNull(sink.failure());
        }
    }

    @Test
    void aRegistryThatStaysBrokenStopsTheSinkWithoutCommittingAndARestartResumes() throws Exception {
        String service = "regstop";
        String topic = service + ".items";
        String dlq = "tributary.dlq.sink." + service;
        TestServers.createTopics(topic, dlq);
        int n = 50;
        send(topic, 1, n);
        String targetUrl = TestServers.newDatabase("sink_registry_stop");
        // a failover put the registry behind another path: every call answers 404
        String wrongPath = TestServers.registryUrl().replace("/apis/ccompat/v7", "/apis/ccompat/v6");
        PipelineConfig.Registry broken = new PipelineConfig.Registry(wrongPath, "BACKWARD", null, null, null, null, null, Duration.ofSeconds(3));
        PipelineConfig config = config(service, "g-" + service, targetUrl, broken);
        ServiceSink sink = new ServiceSink(config, config.services().get(0), config.registry().client(), new SimpleMeterRegistry());
        Thread t = start(sink);
        await().atMost(Duration.ofSeconds(120)).until(() -> sink.failure() != null);
        t.join(30_000);
        String why = sink.failure().getMessage();
        assertTrue(why.contains("registry.retry-for") && why.contains("HTTP 404") && why.contains("ccompat/v7"), why);
        assertFalse(sink.alive(), "the sink stopped loudly: the deployable's health and exit code show it");
        assertEquals(0, endOffset(dlq));
        assertNull(committed("g-" + service, topic));

        // restarted against the right registry, it reads the same records again: nothing lost
        PipelineConfig fixed = config(service, "g-" + service, targetUrl, new PipelineConfig.Registry(TestServers.registryUrl(), "BACKWARD"));
        ServiceSink again = new ServiceSink(fixed, fixed.services().get(0), fixed.registry().client(), new SimpleMeterRegistry());
        Thread t2 = start(again);
        await().atMost(Duration.ofSeconds(120)).until(() -> count(targetUrl) == n);
        again.close();
        t2.join(30_000);
        assertEquals(0, endOffset(dlq));
    }

    @Test
    void aParkedRecordThatCanNoLongerBeDecodedStaysParkedAndLaterBatchesApply() throws Exception {
        String service = "regparked";
        String topic = service + ".items";
        TestServers.createTopics(topic, "tributary.dlq.sink." + service);
        String targetUrl = TestServers.newDatabase("sink_registry_parked");
        PipelineConfig config = config(service, "g-" + service, targetUrl, new PipelineConfig.Registry(TestServers.registryUrl(), "BACKWARD"));
        ServiceSink sink = new ServiceSink(config, config.services().get(0), config.registry().client(), new SimpleMeterRegistry());
        Thread t = start(sink);
        send(topic, 1, 10);
        await().atMost(Duration.ofSeconds(120)).until(() -> count(targetUrl) == 10);
        // a record parked earlier whose schema id the registry no longer knows (it lost its storage since)
        byte[] unknownId = {0, 0x3a, (byte) 0xde, 0x68, (byte) 0xb1, 2, 4};
        try (Connection c = DriverManager.getConnection(targetUrl, "postgres", "");
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + Bookkeeping.PARKED + " (table_name, topic, kafka_partition, kafka_offset, "
                     + "record_key, record_value, reason) VALUES ('items', ?, 0, 3, ?, ?, 'missing parent')")) {
            ps.setString(1, topic);
            ps.setBytes(2, unknownId);
            ps.setBytes(3, unknownId);
            ps.executeUpdate();
        }
        send(topic, 11, 20);
        await().atMost(Duration.ofSeconds(120)).until(() -> count(targetUrl) == 20 || sink.failure() != null);
        assertNull(sink.failure(), "a parked record that cannot be decoded must not stop later batches");
        assertEquals(20, count(targetUrl));
        try (Connection c = DriverManager.getConnection(targetUrl, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + Bookkeeping.PARKED)) {
            rs.next();
            assertEquals(1, rs.getLong(1), "it stays parked, not lost, for when the registry knows its schema again");
        }
        sink.close();
        t.join(30_000);
    }
}
