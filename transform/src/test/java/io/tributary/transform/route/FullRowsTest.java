package io.tributary.transform.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
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
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Updates that leave unchanged (TOAST) columns out leave the transform as full rows, filled from the latest
 * full row of their key, wherever that is safe; where it is not, they pass partial, as the capture wrote them.
 */
class FullRowsTest {
    static final TableRef DOCS = new TableRef("monolith", "public", "docs");
    static final TableSchema DOCS_SCHEMA = new TableSchema(DOCS, List.of(
            new Column("id", ColumnType.INT64, "int8", false),
            new Column("title", ColumnType.TEXT, "text", false),
            new Column("body", ColumnType.TEXT, "text", true),
            new Column("notes", ColumnType.TEXT, "text", false)), List.of("id"));
    static final PipelineConfig.Service SERVICE = new PipelineConfig.Service("docs-svc", "g",
            new PipelineConfig.Database("jdbc:postgresql://x/y", "u", Secret.NONE), List.of(DOCS), Map.of(), java.time.Duration.ofMinutes(10));
    static final String BODY = "b".repeat(9_600);

    private final SchemaInlineSerde serde = new SchemaInlineSerde();
    private TopologyTestDriver driver;
    private TestInputTopic<GenericRecord, GenericRecord> in;
    private TestOutputTopic<GenericRecord, GenericRecord> out;

    @BeforeEach
    void setUp() {
        use(new TopologyRun(SERVICE, serde, TransformAppAccess.streamsConfig(SERVICE), DOCS.topic(), "docs-svc.docs"));
    }

    private void use(TopologyRun run) {
        driver = run.driver;
        in = run.in;
        out = run.out;
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private static Map<String, Object> row(long id, String title, String body, String notes) {
        Map<String, Object> r = new HashMap<>();
        r.put("id", id);
        r.put("title", title);
        r.put("body", body);
        r.put("notes", notes);
        return r;
    }

    private static ChangeEvent insert(long id, String title, Position pos) {
        return new ChangeEvent(DOCS_SCHEMA, Op.CREATE, null, row(id, title, BODY, "n" + id), pos, 1L, "false", "postgresql", "db", 1L, 1L);
    }

    /** A title-only update: body and notes (NOT NULL) are unchanged TOAST values the source did not send. */
    private static ChangeEvent titleUpdate(long id, String title, Position pos) {
        return new ChangeEvent(DOCS_SCHEMA, Op.UPDATE, row(id, "old", "old body", "old"), row(id, title, null, null), pos, 1L, "false",
                "postgresql", "db", 1L, 1L, List.of("body", "notes"));
    }

    private void send(ChangeEvent e) {
        in.pipeInput(Envelope.key(e), Envelope.value(e));
    }

    private ChangeEvent next() {
        var kv = out.readKeyValue();
        return Envelope.read(kv.key, kv.value);
    }

    @Test
    void titleOnlyUpdatesLeaveWithTheUnchangedColumnsFilledFromTheLatestFullRow() {
        send(insert(1, "t0", Position.of(1, 10, 10, 0)));
        assertEquals(List.of(), next().unchanged());
        for (int i = 1; i <= 3; i++) {
            send(titleUpdate(1, "t" + i, Position.of(1, 10 + i, 10 + i, 0)));
            ChangeEvent e = next();
            assertEquals(List.of(), e.unchanged(), "update " + i + " is a full row");
            assertEquals(row(1, "t" + i, BODY, "n1"), e.after());
            assertEquals(Position.of(1, 10 + i, 10 + i, 0), e.position(), "everything else is the capture's");
            assertEquals(row(1, "old", "old body", "old"), e.before(), "the before image is the capture's");
        }
    }

    @Test
    void aPartialUpdateWithoutAStoredRowPassesPartial() {
        send(titleUpdate(2, "t1", Position.of(1, 11, 11, 0)));
        ChangeEvent e = next();
        assertEquals(List.of("body", "notes"), e.unchanged(), "nothing to fill from: the sink keeps the target's values");
        assertEquals("t1", e.after().get("title"));
    }

    /**
     * An update whose filled row would be larger than the pipeline's largest record leaves partial, which fits:
     * before, the filled row went to the store's changelog and the service topic, the producer refused it and
     * the stream thread stopped (LargeValuePipelineIT, end to end).
     */
    @Test
    void anUpdateTooLargeToFillLeavesPartial() {
        java.util.Properties small = TransformAppAccess.streamsConfig(SERVICE);
        small.put("max.request.size", String.valueOf(BODY.length() + 100)); // the stored row fits, body and a long title do not
        driver.close(); // one driver at a time holds the store's files; tearDown closes this one
        use(new TopologyRun(SERVICE, serde, small, DOCS.topic(), "docs-svc.docs"));
        send(insert(6, "t0", Position.of(1, 10, 10, 0)));
        assertEquals(List.of(), next().unchanged());
        send(titleUpdate(6, "x".repeat(200), Position.of(1, 11, 11, 0)));
        assertEquals(List.of("body", "notes"), next().unchanged(), "too large filled: the sink keeps the target's body");
        send(titleUpdate(6, "t2", Position.of(1, 12, 12, 0)));
        assertEquals(List.of("body", "notes"), next().unchanged(), "the stored row, older than the update, was dropped");
    }

    @Test
    void aDeleteOrATombstoneForgetsTheRow() {
        send(insert(3, "t0", Position.of(1, 10, 10, 0)));
        ChangeEvent del = new ChangeEvent(DOCS_SCHEMA, Op.DELETE, row(3, "t0", BODY, "n3"), null, Position.of(1, 11, 11, 0), 1L,
                "false", "postgresql", "db", 1L, 1L);
        send(del);
        in.pipeInput(Envelope.key(del), (GenericRecord) null);
        send(titleUpdate(3, "t2", Position.of(1, 12, 12, 0)));
        next();
        assertEquals(Op.DELETE, next().op());
        assertNull(out.readKeyValue().value, "the tombstone passes");
        assertEquals(List.of("body", "notes"), next().unchanged(), "not filled from a deleted row");
    }

    @Test
    void aStoredRowOfAnOlderGenerationIsNotUsedAndIsDropped() {
        send(insert(4, "t0", Position.of(1, 10, 10, 0)));
        send(titleUpdate(4, "t1", Position.of(2, 20, 20, 0)));
        send(titleUpdate(4, "t2", Position.of(2, 21, 21, 0)));
        next();
        assertEquals(List.of("body", "notes"), next().unchanged(), "a new generation may repair a gap the stored row predates");
        assertEquals(List.of("body", "notes"), next().unchanged(), "the stale row was dropped, not kept for later");
    }

    @Test
    void anOlderFullRowDoesNotReplaceANewerOne() {
        send(insert(5, "streamed", Position.of(2, 20, 20, 0)));
        // a snapshot row of the same generation, older by position, arriving later (an incremental snapshot)
        send(new ChangeEvent(DOCS_SCHEMA, Op.READ, null, row(5, "snap", "old body", "old"), Position.of(2, 0, 0, 1), 1L, "incremental",
                "postgresql", "db", null, null));
        send(titleUpdate(5, "t1", Position.of(2, 21, 21, 0)));
        next();
        next();
        assertEquals(row(5, "t1", BODY, "n5"), next().after());
    }

    @Test
    void onlyRowsLargeEnoughToHoldAnOutOfLineValueAreStored() {
        org.apache.kafka.streams.state.KeyValueStore<GenericRecord, GenericRecord> store = driver.getKeyValueStore(FullRows.storeName(DOCS.topic()));
        for (long id = 10; id < 20; id++) { // rows of a few dozen bytes: PostgreSQL cannot have moved any value out of line
            send(new ChangeEvent(DOCS_SCHEMA, Op.CREATE, null, row(id, "t", "short body", "n"), Position.of(1, id, id, 0), 1L, "false",
                    "postgresql", "db", 1L, 1L));
            next();
        }
        assertEquals(0, count(store), "small rows cost no store entry");
        send(insert(20, "t0", Position.of(1, 30, 30, 0)));
        next();
        assertEquals(1, count(store), "a row with a 9,600-character body is kept");
        send(titleUpdate(20, "t1", Position.of(1, 31, 31, 0)));
        assertEquals(row(20, "t1", BODY, "n20"), next().after(), "and fills its updates");
    }

    private static long count(org.apache.kafka.streams.state.KeyValueStore<GenericRecord, GenericRecord> store) {
        long n = 0;
        try (var it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    @Test
    void aColumnWhoseNameAvroRefusesIsFilledToo() {
        TableRef notes = new TableRef("monolith", "public", "notes");
        TableSchema schema = new TableSchema(notes, List.of(new Column("id", ColumnType.INT64, "int8", false),
                new Column("title", ColumnType.TEXT, "text", false), new Column("long text", ColumnType.TEXT, "text", false)), List.of("id"));
        PipelineConfig.Service service = new PipelineConfig.Service("notes-svc", "g", SERVICE.target(), List.of(notes), Map.of(),
                java.time.Duration.ofMinutes(10));
        StreamsBuilder b = new StreamsBuilder();
        ServiceTopology.build(b, service, serde, serde, ServiceTopology.Observer.NONE);
        try (TopologyTestDriver d = new TopologyTestDriver(b.build(), TransformAppAccess.streamsConfig(service))) {
            TestInputTopic<GenericRecord, GenericRecord> input = d.createInputTopic(notes.topic(), serde.serializer(), serde.serializer());
            TestOutputTopic<GenericRecord, GenericRecord> output = d.createOutputTopic("notes-svc.notes", serde.deserializer(), serde.deserializer());
            Map<String, Object> full = new HashMap<>(Map.of("id", 1L, "title", "t0", "long text", BODY));
            ChangeEvent insert = new ChangeEvent(schema, Op.CREATE, null, full, Position.of(1, 10, 10, 0), 1L, "false", "postgresql", "db", 1L, 1L);
            Map<String, Object> partial = new HashMap<>(Map.of("id", 1L, "title", "t1"));
            partial.put("long text", null);
            ChangeEvent update = new ChangeEvent(schema, Op.UPDATE, null, partial, Position.of(1, 11, 11, 0), 1L, "false", "postgresql", "db",
                    1L, 1L, List.of("long text"));
            for (ChangeEvent e : List.of(insert, update)) {
                input.pipeInput(Envelope.key(e), Envelope.value(e));
            }
            output.readKeyValue();
            var kv = output.readKeyValue();
            ChangeEvent out = Envelope.read(kv.key, kv.value);
            assertEquals(List.of(), out.unchanged());
            assertEquals(BODY, out.after().get("long text"));
        }
    }

    @Test
    void aTableWhoseCaptureSendsEveryColumnGetsNoStore() {
        StreamsBuilder b = new StreamsBuilder();
        ServiceTopology.build(b, SERVICE, serde, serde, ServiceTopology.Observer.NONE, t -> false);
        assertTrue(b.build().describe().toString().indexOf("full-rows") < 0, b.build().describe().toString());
    }
}
