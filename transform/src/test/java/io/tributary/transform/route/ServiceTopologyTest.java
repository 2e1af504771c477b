package io.tributary.transform.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import io.tributary.transform.TransformAppAccess;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServiceTopologyTest {
    static final TableRef CKPT = new TableRef("experiments", "main", "model_checkpoints");
    static final TableRef TRADES = new TableRef("monolith", "public", "trades");
    static final TableSchema CKPT_SCHEMA = new TableSchema(CKPT, List.of(
            new Column("id", ColumnType.INT64, "INTEGER", false),
            new Column("is_production", ColumnType.INT64, "BOOLEAN", true).meaning(ColumnType.BOOLEAN),
            new Column("created_at", ColumnType.TEXT, "DATETIME", true).meaning(ColumnType.TIMESTAMPTZ),
            new Column("config", ColumnType.TEXT, "JSON", true).meaning(ColumnType.JSON),
            new Column("loss", ColumnType.FLOAT64, "REAL", true)), List.of("id"));
    static final TableSchema TRADES_SCHEMA = new TableSchema(TRADES, List.of(
            new Column("id", ColumnType.INT64, "int8", false),
            new Column("qty", ColumnType.DECIMAL, "numeric(12,4)", false)), List.of("id"));
    static final PipelineConfig.Service SERVICE = new PipelineConfig.Service("ml-platform", "g",
            new PipelineConfig.Database("jdbc:postgresql://x/y", "u", Secret.NONE), List.of(CKPT, TRADES), Map.of(), java.time.Duration.ofMinutes(10));

    private TopologyTestDriver driver;
    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry metrics = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private final SchemaInlineSerde serde = new SchemaInlineSerde();

    @BeforeEach
    void setUp() {
        StreamsBuilder b = new StreamsBuilder();
        ServiceTopology.build(b, SERVICE, serde, serde, ServiceTopology.Observer.NONE);
        var props = TransformAppAccess.streamsConfig(SERVICE, metrics);
        driver = new TopologyTestDriver(b.build(), props);
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private TestInputTopic<GenericRecord, GenericRecord> in(TableRef t) {
        return driver.createInputTopic(t.topic(), serde.serializer(), serde.serializer());
    }

    private TestOutputTopic<GenericRecord, GenericRecord> out(String topic) {
        return driver.createOutputTopic(topic, serde.deserializer(), serde.deserializer());
    }

    private static ChangeEvent ckpt(Op op, long id, Object isProd, String createdAt) {
        Map<String, Object> row = new HashMap<>();
        row.put("id", id);
        row.put("is_production", isProd);
        row.put("created_at", createdAt);
        row.put("config", "{\"lr\": 0.001,  \"layers\":[1,2]}");
        row.put("loss", 0.1 + 0.2);
        return new ChangeEvent(CKPT_SCHEMA, op, op == Op.DELETE ? row : null, op == Op.DELETE ? null : row,
                Position.of(1, 0, 0, id), 1000L, "false", "sqlite", "experiments.db", null, null);
    }

    @Test
    void routesEachOwnedTableToTheServiceTopicAndNormalisesSqliteTypes() {
        ChangeEvent e = ckpt(Op.CREATE, 7, 1L, "2024-03-01 12:34:56.789");
        in(CKPT).pipeInput(Envelope.key(e), Envelope.value(e));
        var rec = out("ml-platform.model_checkpoints").readKeyValue();
        assertEquals(7L, rec.key.get("id"));
        ChangeEvent read = Envelope.read(rec.key, rec.value);
        Map<String, Object> after = read.after();
        assertEquals(Boolean.TRUE, after.get("is_production"));
        assertEquals(1_709_296_496_789_000L, after.get("created_at"));
        assertEquals("{\"lr\": 0.001,  \"layers\":[1,2]}", after.get("config"), "JSON text is kept byte for byte");
        assertEquals(0.1 + 0.2, after.get("loss"));
        Schema row = Envelope.rowSchema(rec.value.getSchema());
        assertEquals("BOOLEAN", row.getField("is_production").getProp(Envelope.TYPE_PROP));
        assertEquals("TIMESTAMPTZ", row.getField("created_at").getProp(Envelope.TYPE_PROP));
        assertEquals("JSON", row.getField("config").getProp(Envelope.TYPE_PROP));
        assertEquals(Position.of(1, 0, 0, 7), read.position());
        assertEquals(e.tsMs(), read.tsMs(), "ts_ms keeps the capture's time through the transform");
    }

    @Test
    void passesOtherSourcesUnchangedAndKeepsTombstones() {
        Map<String, Object> row = Map.of("id", 5L, "qty", "1.2500");
        ChangeEvent del = new ChangeEvent(TRADES_SCHEMA, Op.DELETE, row, null, Position.of(0, 9, 10, 0), 1L, "false", "postgresql", "db", 3L, 10L);
        in(TRADES).pipeInput(Envelope.key(del), Envelope.value(del));
        in(TRADES).pipeInput(Envelope.key(del), (GenericRecord) null);
        var topic = out("ml-platform.trades");
        var first = topic.readKeyValue();
        ChangeEvent read = Envelope.read(first.key, first.value);
        assertEquals(Op.DELETE, read.op());
        assertEquals("1.2500", read.before().get("qty"));
        assertEquals(del.tsMs(), read.tsMs());
        assertEquals(first.value.getSchema(), Envelope.value(del).getSchema());
        var tomb = topic.readKeyValue();
        assertEquals(5L, tomb.key.get("id"));
        assertNull(tomb.value);
    }

    @Test
    void aValueThatCannotBeNormalisedGoesToTheDeadLetterTopicAndTheStreamGoesOn() {
        ChangeEvent bad = ckpt(Op.CREATE, 1, 7L, "2024-03-01");
        ChangeEvent good = ckpt(Op.CREATE, 2, 0L, "2024-03-01T00:00:00Z");
        in(CKPT).pipeInput(Envelope.key(bad), Envelope.value(bad));
        in(CKPT).pipeInput(Envelope.key(good), Envelope.value(good));
        var outTopic = out("ml-platform.model_checkpoints");
        var rec = outTopic.readKeyValue();
        assertEquals(2L, rec.key.get("id"));
        assertEquals(Boolean.FALSE, Envelope.read(rec.key, rec.value).after().get("is_production"));
        assertTrue(outTopic.isEmpty());
        var dlq = driver.createOutputTopic("tributary.dlq.transform.ml-platform",
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
        var dead = dlq.readRecord();
        String headers = new String(dead.headers().lastHeader("__streams.errors.message").value());
        assertTrue(headers.contains("is_production") && headers.contains("'7'"), headers);
        assertEquals(1, metrics.get("tributary.errors").tag("stage", "transform").tag("kind", "dead_letter").counter().count(),
                "the dead letter is counted where the alert rules look");
    }

    /**
     * A row set to an odd value (its event dead-lettered, rightly), then fixed, then deleted with another odd
     * value: the fix and the delete carry odd values only in their before-images, which the sink does not need,
     * so both reach the service topic and the target ends without the row, as the source does.
     */
    @Test
    void aBadValueInABeforeImageNeverDeadLettersTheUpdateOrDeleteItBelongsTo() {
        Map<String, Object> odd = new HashMap<>(ckpt(Op.CREATE, 3, 7L, "2024-03-01T00:00:00Z").after());
        Map<String, Object> fixed = new HashMap<>(odd);
        fixed.put("is_production", 1L);
        Map<String, Object> oddAgain = new HashMap<>(odd);
        oddAgain.put("created_at", "not a time");
        ChangeEvent set = new ChangeEvent(CKPT_SCHEMA, Op.CREATE, null, odd, Position.of(1, 0, 0, 1), 1L, "false", "sqlite", "x", null, null);
        ChangeEvent fix = new ChangeEvent(CKPT_SCHEMA, Op.UPDATE, odd, fixed, Position.of(1, 0, 0, 2), 1L, "false", "sqlite", "x", null, null);
        ChangeEvent delete = new ChangeEvent(CKPT_SCHEMA, Op.DELETE, oddAgain, null, Position.of(1, 0, 0, 3), 1L, "false", "sqlite", "x", null, null);
        for (ChangeEvent e : List.of(set, fix, delete)) {
            in(CKPT).pipeInput(Envelope.key(e), Envelope.value(e));
        }
        var outTopic = out("ml-platform.model_checkpoints");
        var first = outTopic.readKeyValue();
        ChangeEvent fixOut = Envelope.read(first.key, first.value);
        assertEquals(Op.UPDATE, fixOut.op());
        assertEquals(Boolean.TRUE, fixOut.after().get("is_production"));
        assertNull(fixOut.before(), "an update's before-image that cannot be normalised is left out");
        var second = outTopic.readKeyValue();
        ChangeEvent deleteOut = Envelope.read(second.key, second.value);
        assertEquals(Op.DELETE, deleteOut.op());
        assertEquals(List.of(3L), deleteOut.keyValues(), "the delete names its row");
        assertNull(deleteOut.before().get("is_production"), "a value that cannot be normalised becomes null");
        assertNull(deleteOut.before().get("created_at"));
        assertTrue(outTopic.isEmpty());
        assertEquals(1, metrics.get("tributary.errors").tag("stage", "transform").tag("kind", "dead_letter").counter().count(),
                "only the event whose after-image holds the odd value is a dead letter");
    }

    @Test
    void aRecordThatCannotBeDecodedGoesToTheDeadLetterTopicAndIsCounted() {
        var raw = driver.createInputTopic(CKPT.topic(), new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
        raw.pipeInput(new byte[] {0, 0, 0, 0, 1}, new byte[] {42}); // magic byte 0 missing on the value: not the wire format
        assertEquals(1, metrics.get("tributary.errors").tag("stage", "transform").tag("kind", "dead_letter").counter().count());
        assertTrue(out("ml-platform.model_checkpoints").isEmpty());
    }
}
