package io.tributary.schemas.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * The prepared binary reader against {@link Envelope#read} on generic records as the oracle, on randomized
 * tables (every contract type, optional and NOT NULL, names Avro refuses) and events (every op, nulls, partial
 * updates, optional source fields).
 */
class EnvelopeReaderTest {
    private static final TableRef T = new TableRef("monolith", "public", "trades");

    @Test
    void readsWhatTheGenericPathReadsOnRandomizedEvents() throws IOException {
        Random random = new Random(2026);
        int events = 0;
        for (int table = 0; table < 200; table++) {
            TableSchema schema = randomTable(random);
            for (int n = 0; n < 50; n++) {
                ChangeEvent e = randomEvent(random, schema);
                GenericRecord key = Envelope.key(e);
                GenericRecord value = Envelope.value(e);
                byte[] keyWire = wire(key);
                byte[] valueWire = wire(value);
                ChangeEvent expected = Envelope.read(decode(key.getSchema(), keyWire), decode(value.getSchema(), valueWire));
                EnvelopeReader reader = EnvelopeReader.of(value.getSchema(), key.getSchema()).orElseThrow();
                ChangeEvent read = reader.read(keyWire, valueWire);
                assertEquals(expected, read, () -> "event " + e);
                assertEquals(e.position(), read.position());
                events++;
            }
        }
        assertEquals(10_000, events);
    }

    @Test
    void aTruncatedRecordIsRefused() throws IOException {
        TableSchema schema = new TableSchema(T, List.of(new Column("id", ColumnType.INT64, "int8", false),
                new Column("note", ColumnType.TEXT, "text", true)), List.of("id"));
        ChangeEvent e = new ChangeEvent(schema, Op.CREATE, null, Map.of("id", 1L, "note", "a long enough note"), Position.of(1, 2, 3, 4),
                5L, "false", "postgres", "db", 7L, 8L);
        byte[] value = wire(Envelope.value(e));
        EnvelopeReader reader = EnvelopeReader.of(Envelope.valueSchema(schema), Envelope.keySchema(schema)).orElseThrow();
        byte[] cut = java.util.Arrays.copyOf(value, 12);
        assertThrows(IOException.class, () -> reader.read(wire(Envelope.key(e)), cut));
    }

    @Test
    void anEnvelopeOfAnotherShapeIsLeftToTheGenericPath() {
        Schema other = SchemaBuilder.record("Envelope").namespace("x").prop(Envelope.TABLE_PROP, "a.b.c").fields()
                .optionalString("before").optionalString("after").endRecord();
        Schema key = SchemaBuilder.record("Key").namespace("x").fields().requiredLong("id").endRecord();
        assertTrue(EnvelopeReader.of(other, key).isEmpty());
    }

    private static TableSchema randomTable(Random r) {
        List<Column> cols = new ArrayList<>();
        int n = 1 + r.nextInt(9);
        ColumnType[] types = ColumnType.values();
        for (int i = 0; i < n; i++) {
            ColumnType t = types[r.nextInt(types.length)];
            String name = r.nextInt(8) == 0 ? "col-" + i : "c" + i;
            cols.add(new Column(name, t, t.name().toLowerCase(), r.nextBoolean()));
        }
        String key = cols.get(r.nextInt(n)).name();
        List<Column> keyed = cols.stream().map(c -> c.name().equals(key) ? new Column(c.name(), c.type(), c.sourceType(), false) : c).toList();
        return new TableSchema(T, keyed, List.of(key));
    }

    private static ChangeEvent randomEvent(Random r, TableSchema t) {
        Op op = Op.values()[r.nextInt(Op.values().length)];
        Map<String, Object> after = op == Op.DELETE ? null : row(r, t);
        Map<String, Object> before = op == Op.DELETE || (op == Op.UPDATE && r.nextBoolean()) ? row(r, t) : null;
        List<String> unchanged = new ArrayList<>();
        if (op == Op.UPDATE && r.nextInt(3) == 0) {
            t.columns().stream().filter(c -> !t.primaryKey().contains(c.name()) && r.nextBoolean()).forEach(c -> unchanged.add(c.name()));
        }
        return new ChangeEvent(t, op, before, after, Position.of(r.nextInt(3), r.nextLong() & Long.MAX_VALUE, r.nextInt(), r.nextInt(9)),
                r.nextLong() & 0xffffffffffL, List.of("false", "true", "last").get(r.nextInt(3)), "postgresql", "db" + r.nextInt(3),
                r.nextBoolean() ? null : r.nextLong(), r.nextBoolean() ? null : r.nextLong(), unchanged, r.nextLong() & 0xffffffffffL);
    }

    private static Map<String, Object> row(Random r, TableSchema t) {
        Map<String, Object> m = new HashMap<>();
        for (Column c : t.columns()) {
            m.put(c.name(), c.optional() && r.nextInt(4) == 0 ? null : switch (c.type()) {
                case BOOLEAN -> r.nextBoolean();
                case INT16, INT32, DATE -> r.nextInt();
                case INT64, TIME, TIMESTAMP, TIMESTAMPTZ -> r.nextLong();
                case FLOAT32 -> r.nextBoolean() ? Float.NaN : r.nextFloat();
                case FLOAT64 -> r.nextGaussian() * 1e12;
                case BYTES -> ByteBuffer.wrap(new byte[r.nextInt(4)]);
                default -> "v" + r.nextInt() + (r.nextBoolean() ? " \u00e9\u4e2d\ud83d\ude00" : "");
            });
        }
        return m;
    }

    private static GenericRecord decode(Schema s, byte[] wire) throws IOException {
        return new GenericDatumReader<GenericRecord>(s).read(null, DecoderFactory.get().binaryDecoder(wire, 5, wire.length - 5, null));
    }

    private static byte[] wire(GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0, 0, 0, 0, 3});
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, enc);
        enc.flush();
        return out.toByteArray();
    }
}
