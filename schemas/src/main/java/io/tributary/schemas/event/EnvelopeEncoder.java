package io.tributary.schemas.event;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Encodes a {@link ChangeEvent} straight into the Confluent Avro wire format (magic byte, 4-byte schema
 * id, Avro binary) of {@link Envelope#keySchema} and {@link Envelope#valueSchema}, without building
 * {@code GenericRecord}s first. The bytes are exactly those {@code GenericDatumWriter} writes for
 * {@link Envelope#key} and {@link Envelope#value} ({@code EnvelopeEncoderTest} compares them over every
 * column type); it exists because building and walking generic records was most of a snapshot's CPU time.
 *
 * <p>Not thread-safe: one encoder per writing thread (its scratch buffer is reused).
 */
public final class EnvelopeEncoder {
    private static final byte MAGIC = 0;
    private byte[] buf = new byte[512];
    private int len;
    private final Map<TableSchema, Plan> plans = new java.util.HashMap<>();
    private TableSchema lastTable;
    private Plan lastPlan;

    /** A table shape's key and row fields, looked up once: names, and the Avro type of each value. */
    private record Plan(String[] keyNames, Schema[] keyTypes, String[] rowNames, Schema[] rowTypes, boolean[] rowOptional) {
        static Plan of(TableSchema t) {
            List<Schema.Field> key = Envelope.keySchema(t).getFields();
            List<Schema.Field> row = Envelope.rowSchema(Envelope.valueSchema(t)).getFields();
            Plan p = new Plan(new String[key.size()], new Schema[key.size()], new String[row.size()], new Schema[row.size()], new boolean[row.size()]);
            for (int i = 0; i < key.size(); i++) {
                p.keyNames[i] = Envelope.columnName(key.get(i));
                p.keyTypes[i] = key.get(i).schema();
            }
            for (int i = 0; i < row.size(); i++) {
                Schema s = row.get(i).schema();
                p.rowNames[i] = Envelope.columnName(row.get(i));
                p.rowOptional[i] = s.isUnion();
                p.rowTypes[i] = s.isUnion() ? s.getTypes().get(1) : s;
            }
            return p;
        }
    }

    private Plan plan(TableSchema t) {
        if (t != lastTable) { // events of one table usually come in runs: skip the map's hashing then
            lastPlan = plans.computeIfAbsent(t, Plan::of);
            lastTable = t;
        }
        return lastPlan;
    }

    /** The key record (primary-key columns, from the after image, else the before image). */
    public byte[] key(ChangeEvent e, int schemaId) {
        start(schemaId);
        Plan p = plan(e.schema());
        Map<String, Object> row = e.after() != null ? e.after() : e.before();
        for (int i = 0; i < p.keyNames.length; i++) {
            value(p.keyTypes[i], row.get(p.keyNames[i]), p.keyNames[i]);
        }
        return Arrays.copyOf(buf, len);
    }

    /** The envelope; its {@code ts_ms} is {@link ChangeEvent#tsMs()}. */
    public byte[] value(ChangeEvent e, int schemaId) {
        long tsMs = e.tsMs();
        start(schemaId);
        Plan p = plan(e.schema());
        image(p, e.before(), List.of());
        image(p, e.after(), e.unchanged());
        // source
        string(Envelope.VERSION);
        string(e.connector());
        string(e.schema().table().source());
        zigzag(e.commitTsMs());
        string(e.snapshot());
        string(e.database());
        string(e.schema().table().schema());
        string(e.schema().table().table());
        optionalLong(e.txId());
        optionalLong(e.lsn());
        long[] pos = e.position().parts();
        zigzag(pos.length);
        for (long part : pos) {
            zigzag(part);
        }
        zigzag(0);
        string(e.op().code());
        zigzag(tsMs);
        List<String> unchanged = e.unchanged();
        if (!unchanged.isEmpty()) {
            zigzag(unchanged.size());
            for (String u : unchanged) {
                string(u);
            }
        }
        zigzag(0);
        return Arrays.copyOf(buf, len);
    }

    private void image(Plan p, Map<String, Object> values, List<String> unchanged) {
        if (values == null) {
            zigzag(0); // the union's null branch
            return;
        }
        zigzag(1);
        for (int i = 0; i < p.rowNames.length; i++) {
            String name = p.rowNames[i];
            Object v = values.get(name);
            boolean isUnchanged = !unchanged.isEmpty() && unchanged.contains(name);
            if (p.rowOptional[i]) {
                if (v == null || isUnchanged) {
                    zigzag(0);
                    continue;
                }
                zigzag(1);
            } else if (isUnchanged) {
                placeholder(p.rowTypes[i]);
                continue;
            }
            value(p.rowTypes[i], v, name);
        }
    }

    /** A stand-in for an unchanged NOT NULL column, as {@link Envelope} writes it. */
    private void placeholder(Schema s) {
        switch (s.getType()) {
            case STRING, BYTES, INT, LONG -> zigzag(0);
            case FLOAT -> fixed(0, 4);
            case DOUBLE -> fixed(0, 8);
            case BOOLEAN -> fixed(0, 1);
            default -> throw new IllegalArgumentException("no placeholder for Avro type " + s.getType());
        }
    }

    private void value(Schema s, Object v, String column) {
        if (v == null) {
            throw new IllegalArgumentException("column '" + column + "' is NOT NULL in the event schema but has no value");
        }
        try {
            switch (s.getType()) {
                case BOOLEAN -> ensure(1).buf[len++] = (byte) (((Boolean) v) ? 1 : 0);
                case INT -> zigzag(((Number) v).intValue());
                case LONG -> zigzag(((Number) v).longValue());
                case FLOAT -> fixed(Float.floatToRawIntBits(((Number) v).floatValue()), 4);
                case DOUBLE -> fixed(Double.doubleToRawLongBits(((Number) v).doubleValue()), 8);
                case STRING -> string(((CharSequence) v).toString());
                case BYTES -> bytes((ByteBuffer) v);
                default -> throw new IllegalArgumentException("no encoding for Avro type " + s.getType());
            }
        } catch (ClassCastException wrongType) {
            throw new IllegalArgumentException("column '" + column + "' is " + s.getType() + " in the event schema but holds a "
                    + v.getClass().getSimpleName(), wrongType);
        }
    }

    private void start(int schemaId) {
        len = 0;
        ensure(5);
        buf[len++] = MAGIC;
        buf[len++] = (byte) (schemaId >>> 24);
        buf[len++] = (byte) (schemaId >>> 16);
        buf[len++] = (byte) (schemaId >>> 8);
        buf[len++] = (byte) schemaId;
    }

    private void optionalLong(Long v) {
        if (v == null) {
            zigzag(0);
        } else {
            zigzag(1);
            zigzag(v);
        }
    }

    private void string(String s) {
        if (s.isEmpty()) {
            zigzag(0);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        zigzag(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    private void bytes(ByteBuffer bb) {
        int n = bb.remaining();
        zigzag(n);
        ensure(n);
        bb.duplicate().get(buf, len, n);
        len += n;
    }

    private void fixed(long bits, int n) {
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[len++] = (byte) (bits >>> (8 * i));
        }
    }

    private void zigzag(long v) {
        ensure(10);
        long z = (v << 1) ^ (v >> 63);
        while ((z & ~0x7FL) != 0) {
            buf[len++] = (byte) ((z & 0x7F) | 0x80);
            z >>>= 7;
        }
        buf[len++] = (byte) z;
    }

    private EnvelopeEncoder ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
        return this;
    }
}
