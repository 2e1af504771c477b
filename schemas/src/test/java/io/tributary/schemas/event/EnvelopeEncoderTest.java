package io.tributary.schemas.event;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/** The hand-written encoder must write exactly the bytes Avro's own {@code GenericDatumWriter} writes. */
class EnvelopeEncoderTest {
    private static final int SCHEMA_ID = 0x01020304;

    @Test
    void writesTheSameBytesAsAvroForRandomEventsOfEveryColumnType() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            Random rnd = new Random(seed);
            TableSchema table = randomTable(rnd);
            EnvelopeEncoder encoder = new EnvelopeEncoder();
            for (int i = 0; i < 400; i++) {
                ChangeEvent e = randomEvent(rnd, table);
                assertArrayEquals(avro(Envelope.keySchema(table), Envelope.key(e)), encoder.key(e, SCHEMA_ID), "key, seed " + seed + " event " + i);
                assertArrayEquals(avro(Envelope.valueSchema(table), Envelope.value(e)), encoder.value(e, SCHEMA_ID),
                        "value, seed " + seed + " event " + i + ": " + e);
            }
        }
    }

    @Test
    void aValueOfTheWrongTypeIsAnErrorNamingTheColumn() {
        TableSchema t = new TableSchema(new TableRef("s", "main", "t"), List.of(new Column("id", ColumnType.INT64, "INTEGER", false),
                new Column("name", ColumnType.TEXT, "TEXT", false)), List.of("id"));
        ChangeEvent e = new ChangeEvent(t, Op.CREATE, null, Map.of("id", 1L, "name", 5L), Position.of(1, 0, 0, 1), 0, "false", "sqlite", "db", null, null);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> new EnvelopeEncoder().value(e, 1));
        assertTrue(ex.getMessage().contains("'name'"), ex.getMessage());
        ChangeEvent missing = new ChangeEvent(t, Op.CREATE, null, Map.of("id", 1L), Position.of(1, 0, 0, 1), 0, "false", "sqlite", "db", null, null);
        assertThrows(IllegalArgumentException.class, () -> new EnvelopeEncoder().value(missing, 1));
    }

    private static byte[] avro(Schema schema, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0, 1, 2, 3, 4});
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, enc);
        enc.flush();
        return out.toByteArray();
    }

    private static TableSchema randomTable(Random rnd) {
        List<Column> cols = new ArrayList<>();
        cols.add(new Column("id", ColumnType.INT64, "int8", false));
        cols.add(new Column("name", ColumnType.TEXT, "text", false));
        int i = 0;
        for (ColumnType type : ColumnType.values()) {
            cols.add(new Column("c" + i++ + "_" + type.name().toLowerCase(), type, rnd.nextBoolean() ? null : type.name(), true));
            cols.add(new Column("c" + i++ + "_" + type.name().toLowerCase(), type, type.name(), false));
        }
        return new TableSchema(new TableRef("src-" + rnd.nextInt(9), "main", "t" + rnd.nextInt(99)), cols, List.of("id", "name"));
    }

    private static ChangeEvent randomEvent(Random rnd, TableSchema t) {
        Op op = Op.values()[rnd.nextInt(Op.values().length)];
        Map<String, Object> before = op == Op.CREATE || op == Op.READ ? null : row(rnd, t);
        Map<String, Object> after = op == Op.DELETE ? null : row(rnd, t);
        List<String> unchanged = new ArrayList<>();
        if (after != null && rnd.nextInt(4) == 0) {
            for (Column c : t.columns()) {
                if (!t.primaryKey().contains(c.name()) && rnd.nextInt(5) == 0) {
                    unchanged.add(c.name());
                }
            }
        }
        return new ChangeEvent(t, op, before, after, Position.of(rnd.nextLong(), rnd.nextInt(5), rnd.nextInt(), -rnd.nextInt(3)),
                rnd.nextLong(), rnd.nextBoolean() ? "false" : "true", rnd.nextBoolean() ? "sqlite" : "postgresql", text(rnd),
                rnd.nextBoolean() ? null : rnd.nextLong(), rnd.nextBoolean() ? null : (long) rnd.nextInt(), unchanged);
    }

    private static Map<String, Object> row(Random rnd, TableSchema t) {
        Map<String, Object> row = new HashMap<>();
        for (Column c : t.columns()) {
            if (c.optional() && rnd.nextInt(3) == 0) {
                continue; // absent and null are the same
            }
            row.put(c.name(), switch (c.type()) {
                case BOOLEAN -> rnd.nextBoolean();
                case INT16 -> (int) (short) rnd.nextInt();
                case INT32, DATE -> rnd.nextInt();
                case INT64, TIME, TIMESTAMP, TIMESTAMPTZ -> rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE) : rnd.nextLong();
                case FLOAT32 -> rnd.nextInt(4) == 0 ? Float.NaN : rnd.nextFloat() * 1e6f - 5e5f;
                case FLOAT64 -> rnd.nextInt(4) == 0 ? -0.0 : Double.longBitsToDouble(rnd.nextLong());
                case DECIMAL -> Long.toString(rnd.nextLong()) + "." + rnd.nextInt(1000);
                case TEXT, JSON, UUID -> text(rnd);
                case BYTES -> {
                    byte[] b = new byte[rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(300)];
                    rnd.nextBytes(b);
                    yield ByteBuffer.wrap(b);
                }
            });
        }
        return row;
    }

    /** Empty, ASCII, multi-byte and long text (longer than the encoder's first buffer). */
    private static String text(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> "";
            case 1 -> "trade-" + rnd.nextInt();
            case 2 -> "π≈3.14159 ✓ 漢字 \uD83D\uDE80 " + rnd.nextInt();
            default -> "x".repeat(rnd.nextInt(2000));
        };
    }
}
