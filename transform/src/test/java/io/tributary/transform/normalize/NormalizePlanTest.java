package io.tributary.transform.normalize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * The binary plan against the generic path as the oracle: {@link Normalizer} on decoded records, then Avro's
 * generic writer. Same bytes, or the same error, on randomized tables and events (every contract type, optional
 * and NOT NULL, every binary conversion, values that do not convert, in the key, in before- and after-images).
 */
class NormalizePlanTest {
    private static final TableRef T = new TableRef("experiments", "main", "runs");
    private static final int IN_ID = 7;
    private static final int OUT_ID = 9;
    private static final List<ColumnType> PLAIN = List.of(ColumnType.values());
    private static final List<ColumnType> MEANINGS = List.of(ColumnType.BOOLEAN, ColumnType.TIMESTAMPTZ, ColumnType.DATE, ColumnType.JSON);

    @Test
    void rewritesAsTheGenericPathOnRandomizedEvents() {
        Random random = new Random(14);
        int converted = 0;
        int refused = 0;
        int beforeLeftOut = 0;
        for (int table = 0; table < 200; table++) {
            TableSchema schema = randomTable(random);
            for (int event = 0; event < 50; event++) {
                ChangeEvent e = randomEvent(random, schema);
                GenericRecord key = Envelope.key(e);
                GenericRecord value = Envelope.value(e);
                byte[] wire = wire(IN_ID, value);
                NormalizePlan plan = NormalizePlan.of(value.getSchema(), key.getSchema()).orElseThrow();
                GenericRecord expected;
                try {
                    expected = new Normalizer().normalize(key, value);
                } catch (IllegalArgumentException generic) {
                    IllegalArgumentException binary = assertThrows(IllegalArgumentException.class, () -> plan.rewrite(wire, OUT_ID));
                    assertEquals(generic.getMessage(), binary.getMessage());
                    refused++;
                    continue;
                }
                NormalizePlan.Read read = plan.rewrite(wire, OUT_ID);
                assertEquals(expected.getSchema(), plan.output(), "output schema of " + schema);
                assertArrayEquals(wire(OUT_ID, expected), read.wire(), () -> "event " + e + " of " + schema);
                assertEquals(e.op().code(), read.op());
                assertEquals(e.commitTsMs(), read.sourceTsMs());
                converted++;
                if (e.before() != null && expected.get(Envelope.Fields.BEFORE) == null) {
                    beforeLeftOut++;
                }
            }
        }
        // the randomization reaches every outcome, not only the easy one
        assertTrue(converted > 1000, "converted " + converted);
        assertTrue(refused > 100, "refused " + refused);
        assertTrue(beforeLeftOut > 10, "before-images left out " + beforeLeftOut);
    }

    @Test
    void aTableWithoutConversionsIsOnlyRead() {
        TableSchema schema = new TableSchema(T, List.of(new Column("id", ColumnType.INT64, "INTEGER", false),
                new Column("name", ColumnType.TEXT, "TEXT", true)), List.of("id"));
        ChangeEvent e = new ChangeEvent(schema, Op.UPDATE, Map.of("id", 1L), Map.of("id", 1L), Position.of(1, 2, 3, 4), 1234L,
                "false", "sqlite", "x.db", null, null);
        GenericRecord value = Envelope.value(e);
        byte[] wire = wire(IN_ID, value);
        NormalizePlan plan = NormalizePlan.of(value.getSchema(), Envelope.key(e).getSchema()).orElseThrow();
        assertFalse(plan.changes());
        assertEquals(value.getSchema(), plan.output());
        NormalizePlan.Read read = plan.rewrite(wire, OUT_ID);
        assertArrayEquals(wire(OUT_ID, value), read.wire());
        assertEquals("u", read.op());
        assertEquals(1234L, read.sourceTsMs());
        NormalizePlan.Read only = plan.read(wire);
        assertNull(only.wire());
        assertEquals("u", only.op());
    }

    @Test
    void aDeleteWhoseKeyDoesNotConvertIsRefusedNamingTheColumn() {
        TableSchema schema = new TableSchema(T, List.of(new Column("at", ColumnType.TEXT, "DATETIME", false).meaning(ColumnType.TIMESTAMPTZ),
                new Column("flag", ColumnType.INT64, "BOOLEAN", false).meaning(ColumnType.BOOLEAN)), List.of("at"));
        Map<String, Object> row = Map.of("at", "yesterday", "flag", 7L);
        ChangeEvent e = new ChangeEvent(schema, Op.DELETE, row, null, Position.of(1, 0, 0, 1), 1L, "false", "sqlite", "x.db", null, null);
        GenericRecord value = Envelope.value(e);
        NormalizePlan plan = NormalizePlan.of(value.getSchema(), Envelope.key(e).getSchema()).orElseThrow();
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> plan.rewrite(wire(IN_ID, value), OUT_ID));
        assertTrue(x.getMessage().contains("experiments.main.runs.at") && x.getMessage().contains("'yesterday'"), x.getMessage());
    }

    @Test
    void anEnvelopeOfAnotherShapeIsLeftToTheGenericPath() {
        Schema other = SchemaBuilder.record("Envelope").namespace("x").prop(Envelope.TABLE_PROP, "a.b.c").fields()
                .optionalString("before").optionalString("after").endRecord();
        Schema key = SchemaBuilder.record("Key").namespace("x").fields().requiredLong("id").endRecord();
        assertTrue(NormalizePlan.of(other, key).isEmpty());
    }

    private static TableSchema randomTable(Random r) {
        List<Column> cols = new ArrayList<>();
        int n = 1 + r.nextInt(8);
        for (int i = 0; i < n; i++) {
            boolean optional = r.nextBoolean();
            String name = r.nextInt(10) == 0 ? "col " + i : "c" + i; // some names Avro refuses
            if (r.nextInt(3) == 0) {
                ColumnType meaning = MEANINGS.get(r.nextInt(MEANINGS.size()));
                ColumnType travels = meaning == ColumnType.BOOLEAN ? ColumnType.INT64 : ColumnType.TEXT;
                cols.add(new Column(name, travels, meaning.name(), optional).meaning(meaning));
            } else {
                ColumnType t = PLAIN.get(r.nextInt(PLAIN.size()));
                cols.add(new Column(name, t, t.name().toLowerCase(), optional));
            }
        }
        List<String> key = new ArrayList<>();
        key.add(cols.get(r.nextInt(n)).name());
        if (n > 1 && r.nextBoolean()) {
            String second = cols.get(r.nextInt(n)).name();
            if (!key.contains(second)) {
                key.add(second);
            }
        }
        // a key column is NOT NULL
        List<Column> keyed = cols.stream().map(c -> key.contains(c.name()) && c.optional()
                ? new Column(c.name(), c.type(), c.sourceType(), false, null, c.normalizedType()) : c).toList();
        return new TableSchema(T, keyed, key);
    }

    private static ChangeEvent randomEvent(Random r, TableSchema t) {
        Op op = List.of(Op.CREATE, Op.READ, Op.UPDATE, Op.DELETE).get(r.nextInt(4));
        Map<String, Object> after = op == Op.DELETE ? null : row(r, t);
        Map<String, Object> before = op == Op.DELETE || (op == Op.UPDATE && r.nextBoolean()) ? row(r, t) : null;
        List<String> unchanged = new ArrayList<>();
        if (op == Op.UPDATE && r.nextInt(4) == 0) {
            t.columns().stream().filter(c -> !t.primaryKey().contains(c.name()) && c.normalizedType() == null && r.nextBoolean())
                    .forEach(c -> unchanged.add(c.name()));
        }
        return new ChangeEvent(t, op, before, after, Position.of(r.nextInt(3), r.nextInt(1000), r.nextLong() & Long.MAX_VALUE, r.nextInt(9)),
                r.nextLong() & 0xffffffffffL, r.nextBoolean() ? "false" : "true", "sqlite", "x.db", r.nextBoolean() ? null : r.nextLong(),
                r.nextBoolean() ? null : r.nextLong(), unchanged, r.nextLong() & 0xffffffffffL);
    }

    private static Map<String, Object> row(Random r, TableSchema t) {
        Map<String, Object> m = new HashMap<>();
        for (Column c : t.columns()) {
            m.put(c.name(), c.optional() && r.nextInt(5) == 0 ? null : value(r, c));
        }
        return m;
    }

    private static Object value(Random r, Column c) {
        boolean bad = r.nextInt(12) == 0;
        if (c.normalizedType() != null) {
            return switch (c.normalizedType()) {
                case BOOLEAN -> bad ? 7L : (long) r.nextInt(2);
                case TIMESTAMPTZ -> bad ? "not a time" : List.of("2024-01-02 03:04:05.678", "2024-02-29T23:59:59Z", "1969-12-31 23:59:59.999999",
                        "2030-06-01 12:00", "2024-03-01 01:02:03+02:00").get(r.nextInt(5));
                case DATE -> bad ? "2023-02-29" : List.of("2024-02-29", "1970-01-01", "1900-12-31").get(r.nextInt(3));
                default -> bad ? "{" : "{\"lr\": 0.001, \"layers\": [1, 2], \"ü\": \"\u00e9\"}";
            };
        }
        return switch (c.type()) {
            case BOOLEAN -> r.nextBoolean();
            case INT16, INT32, DATE -> r.nextInt();
            case INT64, TIME, TIMESTAMP, TIMESTAMPTZ -> r.nextLong();
            case FLOAT32 -> r.nextFloat();
            case FLOAT64 -> r.nextBoolean() ? Double.NaN : r.nextGaussian() * 1e9;
            case BYTES -> ByteBuffer.wrap(new byte[] {(byte) r.nextInt(), 0, (byte) 0xff});
            default -> "text " + r.nextInt(1000) + (r.nextBoolean() ? " \u00fc\u4e2d\ud83d\ude00" : "");
        };
    }

    private static byte[] wire(int id, GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0);
            out.write(ByteBuffer.allocate(4).putInt(id).array());
            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, enc);
            enc.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
