package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.kafka.Topics;
import io.tributary.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A row larger than the pipeline accepts (Kafka's record limit, {@code max.request.size}) goes to the
 * capture's dead-letter topic with the reason, and the capture keeps going. Before, the producer refused it
 * with RecordTooLargeException, the capture stopped, and every restart met the same row while the slot grew.
 */
class LargeValueIT {
    @TempDir
    Path dir;

    @Test
    void aRowOverTheLimitIsDeadLetteredAndTheRestFlows() throws Exception {
        try (CaptureRun run = new CaptureRun(dir, "large")) {
            // random text (md5 chains): about 1.5 MB that compression cannot shrink below Kafka's 1 MB default
            String big = "(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 48000) g)";
            run.sql("""
                    CREATE TABLE blobs (id bigint PRIMARY KEY, body text);
                    INSERT INTO blobs VALUES (1, 'small'), (2, %s), (3, 'small');
                    """.formatted(big));
            run.pipeline("blobs").start();
            run.read("blobs", Duration.ofSeconds(120), e -> e.size() >= 2);
            run.sql("UPDATE blobs SET body = " + big + " WHERE id = 1; INSERT INTO blobs VALUES (4, 'after');");
            List<ChangeEvent> events = run.read("blobs", Duration.ofSeconds(120), e -> e.stream().anyMatch(x -> x.after().get("id").equals(4L)));
            assertEquals(List.of(1L, 3L, 4L), events.stream().map(x -> (Long) x.after().get("id")).toList(),
                    "every row within the limit, in order; neither large row");
            List<ConsumerRecord<byte[], byte[]>> dead = deadLetters(Topics.deadLetters("capture", run.source), 2);
            for (ConsumerRecord<byte[], byte[]> d : dead) {
                String reason = header(d, "tributary.error");
                assertTrue(reason.contains("larger than") && reason.contains("max.request.size"), reason);
                assertEquals(run.source + ".public.blobs", header(d, "tributary.topic"));
            }
            assertTrue(header(dead.get(0), "tributary.key").contains("2"), header(dead.get(0), "tributary.key"));
            assertTrue(header(dead.get(1), "tributary.key").contains("1"), header(dead.get(1), "tributary.key"));
            assertEquals(-1, run.exitCode(), "the capture keeps running");
        }
    }

    /** Raised in the pipeline file, the limit carries the same row: producer and the topics it creates are sized for it. */
    @Test
    void aRaisedLimitCarriesTheRow() throws Exception {
        try (CaptureRun run = new CaptureRun(dir, "large_raised")) {
            run.sql("""
                    CREATE TABLE blobs (id bigint PRIMARY KEY, body text);
                    INSERT INTO blobs VALUES (1, (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 48000) g));
                    """);
            run.kafkaProperties("max.request.size: \"4194304\"").pipeline("blobs").start();
            List<ChangeEvent> events = run.read("blobs", Duration.ofSeconds(120), e -> !e.isEmpty());
            assertEquals(48000 * 32, events.get(0).after().get("body").toString().length());
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return r.headers().lastHeader(name) == null ? null : new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static List<ConsumerRecord<byte[], byte[]>> deadLetters(String topic, int n) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap(),
                "group.id", "it-dlq-" + System.nanoTime(), "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            Awaitility.await(n + " dead letters on " + topic).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ZERO).until(() -> {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= n;
            });
        }
        return out;
    }
}
