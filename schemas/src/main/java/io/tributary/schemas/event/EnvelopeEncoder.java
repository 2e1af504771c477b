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

    /** The key record (primary-key columns, from the after image, else the before image). */
    public byte[] key(ChangeEvent e, int schemaId) {
        start(schemaId);
        Map<String, Object> row = e.after() != null ? e.after() : e.before();
        for (Schema.Field f : Envelope.keySchema(e.schema()).getFields()) {
            value(f.schema(), row.get(f.name()), f.name());
        }
        return Arrays.copyOf(buf, len);
    }

    /** The envelope; {@code tsMs} is its {@code ts_ms} (when the event was written). */
    public byte[] value(ChangeEvent e, int schemaId, long tsMs) {
        start(schemaId);
        Schema row = Envelope.rowSchema(Envelope.valueSchema(e.schema()));
        image(row, e.before(), List.of());
        image(row, e.after(), e.unchanged());
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
        for (long p : pos) {
            zigzag(p);
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

    private void image(Schema row, Map<String, Object> values, List<String> unchanged) {
        if (values == null) {
            zigzag(0); // the union's null branch
            return;
        }
        zigzag(1);
        for (Schema.Field f : row.getFields()) {
            Schema s = f.schema();
            Object v = values.get(f.name());
            boolean isUnchanged = !unchanged.isEmpty() && unchanged.contains(f.name());
            if (s.isUnion()) {
                if (v == null || isUnchanged) {
                    zigzag(0);
                    continue;
                }
                zigzag(1);
                s = s.getTypes().get(1);
            } else if (isUnchanged) {
                placeholder(s);
                continue;
            }
            value(s, v, f.name());
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
