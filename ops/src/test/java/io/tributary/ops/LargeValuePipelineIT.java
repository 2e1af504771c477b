package io.tributary.ops;

import static io.tributary.ops.PostgresScenario.await;
import static io.tributary.ops.PostgresScenario.sql;
import static io.tributary.ops.PostgresScenario.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the largest value raised to 6 MiB ({@code kafka.properties max.request.size}), a 5 MB row travels from
 * the source through capture, transform and sink into the target exactly; a row over the limit is dead-lettered
 * with the reason by the capture, and the rows after it flow; an update the transform would make too large by
 * filling its unchanged TOAST column from the full row leaves partial and applies. Before, the transform's service
 * topics took Kafka's 1 MiB: the 5 MB row stopped the transform, and so the pipeline; and the filled update,
 * refused by the producer, stopped it again.
 */
class LargeValuePipelineIT {
    private static final int LIMIT = 6 * 1024 * 1024;

    @TempDir
    Path dir;

    /** Random text (md5 chains) of about {@code mb} MB, which compression cannot shrink. */
    private static String random(double mb) {
        return "(SELECT string_agg(md5(g::text || random()::text), '') FROM generate_series(1, " + (int) (mb * 1_000_000 / 32) + ") g)";
    }

    @Test
    void aValueNearTheLimitArrivesAndOneOverItIsDeadLettered() throws Exception {
        PostgresScenario pg = new PostgresScenario(dir, "largepipe");
        sql(pg.sourceUrl, "CREATE TABLE blobs (id bigint PRIMARY KEY, body text, note text); INSERT INTO blobs VALUES (1, " + random(5) + ", 'near')");
        pg.kafkaProperties("max.request.size: \"" + LIMIT + "\"").pipeline("blobs");
        try (PipelineRunner runner = new PipelineRunner(pg.file)) {
            String md5 = "SELECT md5(body) || length(body) FROM blobs WHERE id = %d";
            await(() -> pg.targetCount("blobs") == 1, Duration.ofSeconds(240), "the 5 MB snapshot row in the target");
            assertEquals(value(pg.sourceUrl, md5.formatted(1)), value(pg.targetUrl, md5.formatted(1)));

            sql(pg.sourceUrl, "INSERT INTO blobs VALUES (2, " + random(7) + ", 'over'); INSERT INTO blobs VALUES (3, " + random(4) + ", 'small')");
            await(() -> pg.targetCount("blobs") == 2, Duration.ofSeconds(240), "the streamed 4 MB row in the target");
            assertEquals(value(pg.sourceUrl, md5.formatted(3)), value(pg.targetUrl, md5.formatted(3)));
            String captureReason = header(awaitDeadLetter(Topics.deadLetters("capture", pg.source)), "tributary.error");
            assertTrue(captureReason.contains("larger than the " + LIMIT + " bytes"), captureReason);

            // 3 MB of note beside 4 MB of body the update leaves out (TOAST): the capture's record fits, the row the
            // transform would fill does not, so it leaves partial and the sink keeps the target's body
            sql(pg.sourceUrl, "UPDATE blobs SET note = " + random(3) + " WHERE id = 3; INSERT INTO blobs VALUES (4, 'after', 'after')");
            await(() -> pg.targetCount("blobs") == 3, Duration.ofSeconds(240), "the row after the large update");
            String row = "SELECT md5(body || note) FROM blobs WHERE id = 3";
            await(() -> value(pg.sourceUrl, row).equals(value(pg.targetUrl, row)), Duration.ofSeconds(120), "the large update applied");
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? "(no header " + name + ")" : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The first record of dead-letter topic {@code topic}, waited for (bounded). */
    private static ConsumerRecord<byte[], byte[]> awaitDeadLetter(String topic) throws Exception {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap(),
                "group.id", "it-dlq-" + System.nanoTime(), "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            await(() -> {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                return !out.isEmpty();
            }, Duration.ofSeconds(120), "a dead letter on " + topic);
        }
        return out.get(0);
    }
}
