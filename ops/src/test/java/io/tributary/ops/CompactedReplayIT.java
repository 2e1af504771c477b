package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.ops.replay.Replay;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.sink.postgres.ServiceSink;
import io.tributary.testkit.TestServers;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 5: a service topic compacted to one record per key still rebuilds the exact table in a new
 * consumer group. 300 rows with a 9,600-character body (stored out of line: TOAST) get three title-only
 * updates, which PostgreSQL sends without the body; the live target is right (the sink keeps the body it has).
 * Then what compaction would leave of the service topic (the last record of each key) is written to the topic
 * of a second service, and a replay of it under a fresh group into an empty database must give every row and
 * every column, with no dead letter. Before the transform kept full rows, it dead-lettered all 300 rows.
 */
class CompactedReplayIT {
    static final int ROWS = 300;

    @TempDir
    Path dir;

    @Test
    void aCompactedServiceTopicRebuildsTheExactTableInANewGroup() throws Exception {
        PostgresScenario sc = new PostgresScenario(dir, "compacted");
        PostgresScenario.sql(sc.sourceUrl, "CREATE TABLE articles (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL)");
        sc.pipeline("articles");
        String serviceTopic = Topics.perService(sc.source + "-svc", "articles");
        try (PipelineRunner runner = new PipelineRunner(sc.file)) {
            // incompressible, 9,600 characters: stored out of line, so an update of the title leaves it out
            PostgresScenario.sql(sc.sourceUrl, "INSERT INTO articles SELECT i, 'title ' || i, "
                    + "(SELECT string_agg(md5(i || ':' || g), '') FROM generate_series(1, 300) g) FROM generate_series(1, " + ROWS + ") i");
            sc.awaitMatch(runner);
            for (int v = 1; v <= 3; v++) {
                PostgresScenario.sql(sc.sourceUrl, "UPDATE articles SET title = title || ' v" + v + "'");
            }
            sc.awaitMatch(runner);
            assertNull(runner.failed(), "deployables: " + runner.exitCodes());
        }
        assertEquals(3 * ROWS, partialUpdates(sc.source + ".public.articles"),
                "the capture sent every title-only update without the body (else this test proves nothing)");

        String copyService = sc.source + "-copy";
        String copyTopic = Topics.perService(copyService, "articles");
        TestServers.createTopics(copyTopic);
        int kept = copyWhatCompactionLeaves(serviceTopic, copyTopic);
        assertEquals(ROWS, kept, "one record per key");

        String rebuilt = TestServers.newDatabase("it_compacted_rebuilt");
        Path copyFile = dir.resolve("copy.yaml");
        Files.writeString(copyFile, Files.readString(sc.file).replace(sc.source + "-svc", copyService).replace(sc.targetUrl, rebuilt));
        PipelineConfig copy = PipelineConfigLoader.load(copyFile, Map.of());
        try (Replay replay = new Replay(copy, copy.services().get(0), null)) {
            replay.start(null, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), false);
            assertTrue(replay.awaitCaughtUp(), "the replay stopped: " + replay.failure());
        }
        assertEquals(0, count(ServiceSink.deadLetterTopic(copy.services().get(0))), "no dead letter rebuilding from the compacted topic");
        String q = "SELECT id, title, body FROM articles ORDER BY id";
        List<List<String>> source = rows(sc.sourceUrl, q);
        assertEquals(ROWS, source.size());
        assertEquals(9_600, source.get(0).get(2).length());
        assertTrue(source.get(0).get(1).endsWith(" v1 v2 v3"));
        assertEquals(source, rows(rebuilt, q), "every row and every column of the second copy");
    }

    /** Update events on {@code topic} that name the body unchanged. */
    private static long partialUpdates(String topic) {
        AvroSerde keys = new AvroSerde(new SchemaRegistryClient(TestServers.registryUrl()), true);
        AvroSerde values = new AvroSerde(new SchemaRegistryClient(TestServers.registryUrl()), false);
        long n = 0;
        for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
            if (r.value() != null) {
                ChangeEvent e = Envelope.read(keys.deserialize(topic, r.key()), values.deserialize(topic, r.value()));
                n += e.op() == Op.UPDATE && e.unchanged().contains("body") ? 1 : 0;
            }
        }
        return n;
    }

    /** Writes to {@code to} the last record of each key of {@code from}, in the order compaction keeps them; returns how many. */
    private static int copyWhatCompactionLeaves(String from, String to) throws Exception {
        Map<ByteBuffer, ConsumerRecord<byte[], byte[]>> last = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(from)) {
            ByteBuffer k = ByteBuffer.wrap(r.key());
            last.remove(k);
            last.put(k, r);
        }
        Properties p = new Properties();
        p.put("bootstrap.servers", TestServers.kafkaBootstrap());
        p.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ConsumerRecord<byte[], byte[]> r : last.values()) {
                producer.send(new ProducerRecord<>(to, null, r.timestamp(), r.key(), r.value(), r.headers()));
            }
            producer.flush();
        }
        return last.size();
    }

    private static long count(String topic) {
        return readAll(topic).size();
    }

    /** Every committed record of single-partition {@code topic}, from the beginning to its end offset now. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", TestServers.kafkaBootstrap());
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (c.position(tp) < end) {
                assertTrue(System.nanoTime() < deadline, "could not read " + topic + " to offset " + end + " within 60 s");
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static List<List<String>> rows(String url, String sql) throws Exception {
        return io.tributary.testkit.Sql.rows(url, sql);
    }
}
