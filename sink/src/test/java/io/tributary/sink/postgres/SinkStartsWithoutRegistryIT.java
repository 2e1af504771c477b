package io.tributary.sink.postgres;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.sink.SinkApp;
import io.tributary.testkit.TcpRelay;
import io.tributary.testkit.ScrapedMetrics;
import io.tributary.testkit.TestServers;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink deployable ({@link SinkApp#run}, start-up checks included) started while its schema registry does
 * not answer (a relay in front of the real one that closes every connection): it starts instead of exiting 2,
 * as if the pipeline file were wrong, waits (a retriable error counted, nothing applied), and once the relay
 * forwards to the real registry applies every record to the real target, none dead-lettered.
 */
class SinkStartsWithoutRegistryIT {
    @TempDir
    Path dir;

    @Test
    void startsWhileTheRegistryIsDownAndAppliesOnceItAnswers() throws Exception {
        String name = "skstart" + Long.toHexString(System.nanoTime());
        TableSchema items = new TableSchema(new TableRef(name, "public", "items"), SinkEvents.ITEMS.columns(), SinkEvents.ITEMS.primaryKey());
        String topic = name + ".items";
        String dlq = "tributary.dlq.sink." + name;
        TestServers.createTopics(topic);
        int n = 20;
        send(items, topic, n);
        String targetUrl = TestServers.newDatabase("sink_registry_start");
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
                        postgres: { url: "%s", user: postgres, slot: unused_slot, publication: unused_pub }
                        tables: [public.items]
                    services:
                      - name: %s
                        target: { url: "%s", user: postgres }
                        tables: [%s.public.items]
                    http: { sink: %d }
                    """.formatted(TestServers.kafkaBootstrap(), relay.port(), good.getPath(), name, TestServers.postgresUrl(), name, targetUrl, name, port));
            CountDownLatch stop = new CountDownLatch(1);
            FutureTask<Integer> exit = new FutureTask<>(() -> SinkApp.run(new String[] {"--config", pipeline.toString()}, stop));
            new Thread(exit, "sink-under-test").start();
            try {
                await("the sink starts and meets the outage").atMost(Duration.ofSeconds(240))
                        .until(() -> exit.isDone() || ScrapedMetrics.sum(port, "tributary_errors_total", "kind=\"retriable\"", "service=\"" + name + "\"") >= 1);
                assertFalse(exit.isDone(), () -> "the sink exited while the registry was down: exit " + ScrapedMetrics.exitCode(exit));
                assertTrue(count(targetUrl) <= 0, "nothing applied without the registry");

                relay.target(good.getHost(), good.getPort());
                await("every record applied once the registry answers").atMost(Duration.ofSeconds(300))
                        .until(() -> count(targetUrl) == n || exit.isDone());
                assertFalse(exit.isDone(), () -> "the sink exited: exit " + ScrapedMetrics.exitCode(exit));
                assertEquals(n, count(targetUrl));
                assertEquals(0, TestServers.endOffset(dlq), "nothing was dead-lettered for the registry's outage");
            } finally {
                stop.countDown();
            }
            assertEquals(0, exit.get(120, TimeUnit.SECONDS), "a clean stop");
        }
    }

    /** The rows of the target's items table; -1 while it does not exist. */
    private static long count(String url) {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM items")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException notYet) {
            return -1;
        }
    }

    private static void send(TableSchema items, String topic, int n) {
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        AvroSerde keys = new AvroSerde(registry, true);
        AvroSerde values = new AvroSerde(registry, false);
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 1; i <= n; i++) {
                ChangeEvent e = new ChangeEvent(items, Op.CREATE, null, SinkEvents.item(i, "n" + i, i + ".25", i / 3.0, (long) i, null),
                        Position.of(0, i, i, 0), System.currentTimeMillis(), "false", "postgresql", "db", null, null);
                producer.send(new ProducerRecord<>(topic, keys.serialize(topic, Envelope.key(e)), values.serialize(topic, Envelope.value(e))));
            }
            producer.flush();
        }
    }
}
