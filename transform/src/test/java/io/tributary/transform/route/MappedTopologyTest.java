package io.tributary.transform.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.common.config.TableMapping;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.transform.TransformAppAccess;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A table mapped to the migration plan's shape: another name, renamed and left-out columns, keyed by (symbol, time). */
class MappedTopologyTest {
    static final TableRef PRICES = new TableRef("experiments", "main", "price_history");
    static final TableSchema SCHEMA = new TableSchema(PRICES, List.of(
            new Column("id", ColumnType.INT64, "INTEGER", false),
            new Column("symbol", ColumnType.TEXT, "TEXT", false),
            new Column("date", ColumnType.TEXT, "DATETIME", false).meaning(ColumnType.TIMESTAMPTZ),
            new Column("open_price", ColumnType.FLOAT64, "REAL", true),
            new Column("note", ColumnType.TEXT, "TEXT", true)), List.of("id"));
    static final TableMapping MAPPING = new TableMapping(PRICES, "prices", Map.of("date", "time", "open_price", "open"),
            List.of("note"), List.of("symbol", "time"));
    static final PipelineConfig.Service SERVICE = new PipelineConfig.Service("market", "g",
            new PipelineConfig.Database("jdbc:postgresql://x/y", "u", Secret.NONE), List.of(PRICES),
            Map.of("prices", new PipelineConfig.TableOptions(false, null, null, MAPPING)), java.time.Duration.ofMinutes(10));

    private TopologyTestDriver driver;
    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry metrics = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private final SchemaInlineSerde serde = new SchemaInlineSerde();
    private TestInputTopic<GenericRecord, GenericRecord> in;
    private TestOutputTopic<GenericRecord, GenericRecord> out;

    @BeforeEach
    void setUp() {
        TopologyRun run = new TopologyRun(SERVICE, serde, TransformAppAccess.streamsConfig(SERVICE, metrics), PRICES.topic(), "market.prices");
        driver = run.driver;
        in = run.in;
        out = run.out;
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private static Map<String, Object> row(long id, String symbol, String date, double open) {
        Map<String, Object> r = new HashMap<>();
        r.put("id", id);
        r.put("symbol", symbol);
        r.put("date", date);
        r.put("open_price", open);
        r.put("note", "from the feed");
        return r;
    }

    private void send(Op op, Map<String, Object> before, Map<String, Object> after, long n) {
        ChangeEvent e = new ChangeEvent(SCHEMA, op, before, after, Position.of(1, 0, 0, n), 1000L, "false", "sqlite", "x.db", null, null);
        in.pipeInput(Envelope.key(e), Envelope.value(e));
    }

    @Test
    void anInsertLeavesInTheTargetShapeKeyedByTheTargetKey() {
        send(Op.CREATE, null, row(1, "AAPL", "2024-01-02T00:00:00Z", 185.5), 1);
        KeyValue<GenericRecord, GenericRecord> r = out.readKeyValue();
        assertEquals("AAPL", r.key.get("symbol").toString());
        assertEquals(1_704_153_600_000_000L, r.key.get("time"));
        ChangeEvent e = Envelope.read(r.key, r.value);
        assertEquals(new TableRef("experiments", "main", "prices"), e.schema().table());
        assertEquals(List.of("symbol", "time"), e.schema().primaryKey());
        assertEquals(List.of("id", "symbol", "time", "open"), e.schema().columns().stream().map(Column::name).toList());
        assertEquals(185.5, e.after().get("open"));
        assertFalse(e.after().containsKey("note"), "a left-out column is gone");
        assertEquals("price_history", ((GenericRecord) r.value.get(Envelope.Fields.SOURCE)).get(Envelope.SourceFields.TABLE).toString(),
                "the source block still names the source table");
        assertTrue(out.isEmpty());
    }

    @Test
    void anUpdateThatChangesTheTargetKeyDeletesTheOldKeyFirst() {
        Map<String, Object> was = row(1, "AAPL", "2024-01-02T00:00:00Z", 185.5);
        Map<String, Object> now = row(1, "MSFT", "2024-01-02T00:00:00Z", 370.0);
        send(Op.UPDATE, was, now, 2);
        KeyValue<GenericRecord, GenericRecord> delete = out.readKeyValue();
        assertEquals("AAPL", delete.key.get("symbol").toString());
        assertEquals(Op.DELETE, Envelope.read(delete.key, delete.value).op());
        assertEquals(Position.of(1, 0, 0, 2), Envelope.read(delete.key, delete.value).position());
        KeyValue<GenericRecord, GenericRecord> tombstone = out.readKeyValue();
        assertEquals(delete.key, tombstone.key);
        assertNull(tombstone.value);
        KeyValue<GenericRecord, GenericRecord> update = out.readKeyValue();
        assertEquals("MSFT", update.key.get("symbol").toString());
        assertEquals(370.0, Envelope.read(update.key, update.value).after().get("open"));
        assertTrue(out.isEmpty());
    }

    @Test
    void anUpdateWithinOneKeyAndADeleteUseTheTargetKeyAndTheSourceTombstoneIsDropped() {
        Map<String, Object> was = row(1, "AAPL", "2024-01-02T00:00:00Z", 185.5);
        Map<String, Object> now = row(1, "AAPL", "2024-01-02T00:00:00Z", 186.0);
        send(Op.UPDATE, was, now, 3);
        send(Op.DELETE, now, null, 4);
        in.pipeInput(Envelope.key(new ChangeEvent(SCHEMA, Op.DELETE, now, null, Position.of(1, 0, 0, 4), 1L, "false", "sqlite", "x", null, null)),
                (GenericRecord) null);
        KeyValue<GenericRecord, GenericRecord> update = out.readKeyValue();
        assertEquals(Op.UPDATE, Envelope.read(update.key, update.value).op());
        KeyValue<GenericRecord, GenericRecord> delete = out.readKeyValue();
        assertEquals(Op.DELETE, Envelope.read(delete.key, delete.value).op());
        assertEquals("AAPL", delete.key.get("symbol").toString());
        assertNull(out.readKeyValue().value, "the tombstone under the target key");
        assertTrue(out.isEmpty(), "the per-table topic's tombstone (source key) is not passed on");
    }

    @Test
    void anUpdateWithoutOldValuesIsADeadLetterNamingTheFix() {
        send(Op.UPDATE, null, row(1, "AAPL", "2024-01-02T00:00:00Z", 185.5), 5);
        assertTrue(out.isEmpty());
        var dlq = driver.createOutputTopic("tributary.dlq.transform.market",
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
        String reason = new String(dlq.readRecord().headers().lastHeader("__streams.errors.message").value());
        assertTrue(reason.contains("REPLICA IDENTITY FULL") && reason.contains("source key [1]"), reason);
    }
}
