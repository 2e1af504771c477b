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
 * A table listed under {@code refuse-truncate}: its TRUNCATE is not carried (no new generation, so no target
 * empties it) but said loudly, a dead letter with the reason; the stream goes on, in the same generation.
 */
class RefusedTruncateIT {
    @TempDir
    Path dir;

    @Test
    void aRefusedTruncateIsADeadLetterAndTheStreamGoesOn() throws Exception {
        try (CaptureRun run = new CaptureRun(dir, "refuse_truncate")) {
            run.sql("CREATE TABLE audit (id bigint PRIMARY KEY, v text); INSERT INTO audit VALUES (1, 'a'), (2, 'b');");
            run.pipelineWith("refuse-truncate: [public.audit]", "audit").start();
            long generation = run.read("audit", Duration.ofSeconds(120), e -> e.size() >= 2).get(0).position().parts()[0];
            run.sql("TRUNCATE audit; INSERT INTO audit VALUES (3, 'after');");
            List<ChangeEvent> events = run.read("audit", Duration.ofSeconds(120), e -> e.size() >= 3);
            assertEquals(3L, events.get(2).after().get("id"));
            assertEquals(generation, events.get(2).position().parts()[0], "no new generation: no target empties the table");
            String topic = Topics.deadLetters("capture", run.source);
            List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap(),
                    "group.id", "it-dlq-" + System.nanoTime(), "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(topic));
                Awaitility.await("the refused truncate on " + topic).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ZERO).until(() -> {
                    c.poll(Duration.ofMillis(200)).forEach(dead::add);
                    return !dead.isEmpty();
                });
            }
            assertEquals("public.audit", new String(dead.get(0).key(), StandardCharsets.UTF_8));
            String reason = new String(dead.get(0).headers().lastHeader("tributary.error").value(), StandardCharsets.UTF_8);
            assertTrue(reason.contains("refuse-truncate"), reason);
            assertEquals(-1, run.exitCode());
        }
    }
}
