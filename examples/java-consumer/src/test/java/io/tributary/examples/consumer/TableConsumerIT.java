package io.tributary.examples.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The example consumer reads what Tributary's capture writer puts on a per-table topic, on a real broker and
 * registry: every event back with its op, key, images, position and types; tombstones skipped.
 */
class TableConsumerIT {
    @Test
    void decodesEveryEventOfAPerTableTopicWithSchemasAlone() {
        String source = "svc" + UUID.randomUUID().toString().substring(0, 8);
        TableSchema orders = new TableSchema(new TableRef(source, "public", "orders"), List.of(
                new Column("id", ColumnType.INT64, "int8", false),
                new Column("symbol", ColumnType.TEXT, "text", false),
                new Column("qty", ColumnType.DECIMAL, "numeric(20,6)", false),
                new Column("placed_at", ColumnType.TIMESTAMPTZ, "timestamptz", true)), List.of("id"));
        String topic = orders.table().topic();
        TestServers.createTopics(topic);
        List<ChangeEvent> written = new ArrayList<>();
        written.add(event(orders, Op.READ, null, row(1, "BTC-USD", "0.500000", 1_700_000_000_000_000L), 1));
        written.add(event(orders, Op.CREATE, null, row(2, "ETH-USD", "12.000000", null), 2));
        written.add(event(orders, Op.UPDATE, row(1, "BTC-USD", "0.500000", 1_700_000_000_000_000L),
                row(1, "BTC-USD", "0.750000", 1_700_000_000_000_000L), 3));
        written.add(event(orders, Op.DELETE, row(2, "ETH-USD", "12.000000", null), null, 4));
        PipelineConfig.Kafka kafka = new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of());
        try (ChangeEventWriter writer = new ChangeEventWriter(kafka, new SchemaRegistryClient(TestServers.registryUrl()), new SimpleMeterRegistry())) {
            written.forEach(writer::write);
            writer.flush();
        }

        List<ChangeEvent> read = new ArrayList<>();
        try (TableConsumer consumer = new TableConsumer(TestServers.kafkaBootstrap(), TestServers.registryUrl(), "example-" + source, topic)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (read.size() < written.size() && System.nanoTime() < deadline) {
                consumer.pollOnce(Duration.ofMillis(500), read::add);
            }
        }
        assertEquals(written, read, "every event comes back whole, in order, tombstone skipped");
        assertEquals(List.of(2L), read.get(3).keyValues());
        assertNull(read.get(3).after());
        assertEquals(ColumnType.DECIMAL, read.get(0).schema().column("qty").orElseThrow().type());
        assertTrue(TableConsumer.describe(read.get(2)).startsWith("u " + topic + " key=[1]"), TableConsumer.describe(read.get(2)));
    }

    private static ChangeEvent event(TableSchema t, Op op, Map<String, Object> before, Map<String, Object> after, long n) {
        return new ChangeEvent(t, op, before, after, Position.of(0, n, n, 0), 1_700_000_000_000L + n, op == Op.READ ? "true" : "false",
                "postgresql", "monolith", 100L + n, n);
    }

    private static Map<String, Object> row(long id, String symbol, String qty, Long placedAt) {
        Map<String, Object> m = new HashMap<>();
        m.put("id", id);
        m.put("symbol", symbol);
        m.put("qty", qty);
        m.put("placed_at", placedAt);
        return m;
    }
}
