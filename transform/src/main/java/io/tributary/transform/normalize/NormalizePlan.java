package io.tributary.transform.normalize;

import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Conversions;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.TableSchema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * {@link Normalizer} on the Avro binary of one envelope shape (a capture's writer schema): the transform's
 * fast path, prepared once per (key schema, envelope schema) instead of decoding every event into generic
 * records and encoding it again. A profile of the transform (docs/performance.md) had a tenth of its stream
 * thread in building generic records and, for a converting table, as much again in encoding them.
 *
 * <p>What it does to the bytes: a field that does not change is copied as the bytes it was read from; a
 * column with a {@link Column#normalizedType()} is read with Avro's {@link BinaryDecoder}, converted by
 * {@link Conversions} with the rules of {@link Normalizer} (after-image and delete key strict, the rest of a
 * before-image forgiving), and written with Avro's {@link BinaryEncoder}. The result is byte for byte what
 * {@link Normalizer} followed by Avro's generic writer makes ({@code NormalizePlanTest} compares both on
 * randomized events). A table without such columns is not rewritten at all ({@link #changes()} is false):
 * its events are only read as far as the meters need ({@link Read#op()}, {@link Read#sourceTsMs()}).
 *
 * <p>Only shapes this contract writes are prepared: {@link #of} returns empty for any other (a field it does
 * not know, a conversion it does not know), and such events take the generic path.
 */
public final class NormalizePlan {
    private static final byte MAGIC = 0;
    private static final int HEADER = 5;
    /** The conversions a plan makes in binary: the travelling Avro type of each normalised type. */
    private static final java.util.Map<ColumnType, Schema.Type> CONVERTS = java.util.Map.of(
            ColumnType.BOOLEAN, Schema.Type.LONG,
            ColumnType.TIMESTAMPTZ, Schema.Type.STRING,
            ColumnType.DATE, Schema.Type.STRING,
            ColumnType.JSON, Schema.Type.STRING);

    private final TableSchema in;
    private final Schema output;
    private final boolean changes;
    /** The envelope's top-level fields in writer order, and which of them this plan reads. */
    private final Schema[] top;
    private final int beforeAt;
    private final int afterAt;
    private final int sourceAt;
    private final int opAt;
    private final Schema[] source;
    private final int sourceTsAt;
    /** Per row field (writer order): its writer schema, and for a normalised one how it converts. */
    private final Schema[] rowSchemas;
    private final Converting[] converting;
    private final int rowNullIndex;
    private final int rowIndex;

    /** One normalised column: where its value is in the union, and how it is written. */
    private record Converting(Column column, boolean key, boolean optionalIn, int inNull, Schema.Type outType, boolean optionalOut,
                              int outNull, int outValue) {
    }

    /** What a read or a rewrite found: the envelope's {@code op} code and its source's {@code ts_ms}, and the bytes to write. */
    public record Read(String op, long sourceTsMs, byte[] wire) {
    }

    private NormalizePlan(TableSchema in, Schema writer, Schema output) {
        this.in = in;
        this.output = output;
        List<Schema.Field> fields = writer.getFields();
        this.top = fields.stream().map(Schema.Field::schema).toArray(Schema[]::new);
        this.beforeAt = writer.getField(Envelope.Fields.BEFORE).pos();
        this.afterAt = writer.getField(Envelope.Fields.AFTER).pos();
        this.sourceAt = writer.getField(Envelope.Fields.SOURCE).pos();
        this.opAt = writer.getField(Envelope.Fields.OP).pos();
        Schema src = top[sourceAt];
        this.source = src.getFields().stream().map(Schema.Field::schema).toArray(Schema[]::new);
        this.sourceTsAt = src.getField(Envelope.SourceFields.TS_MS).pos();
        Schema rowUnion = top[afterAt];
        this.rowNullIndex = rowUnion.getIndexNamed(Schema.Type.NULL.getName());
        this.rowIndex = 1 - rowNullIndex;
        Schema row = rowUnion.getTypes().get(rowIndex);
        this.rowSchemas = row.getFields().stream().map(Schema.Field::schema).toArray(Schema[]::new);
        this.converting = new Converting[rowSchemas.length];
        Schema outRow = Envelope.rowSchema(output);
        boolean any = false;
        for (int i = 0; i < rowSchemas.length; i++) {
            Column c = in.columns().get(i);
            if (c.normalizedType() == null) {
                continue;
            }
            Schema outField = outRow.getFields().get(i).schema();
            boolean optionalOut = outField.isUnion();
            int outNull = optionalOut ? outField.getIndexNamed(Schema.Type.NULL.getName()) : -1;
            Schema.Type outType = (optionalOut ? outField.getTypes().get(1 - outNull) : outField).getType();
            boolean optionalIn = rowSchemas[i].isUnion();
            int inNull = optionalIn ? rowSchemas[i].getIndexNamed(Schema.Type.NULL.getName()) : -1;
            converting[i] = new Converting(c, in.primaryKey().contains(c.name()), optionalIn, inNull, outType, optionalOut, outNull,
                    optionalOut ? 1 - outNull : -1);
            any = true;
        }
        this.changes = any;
    }

    /**
     * The plan of an envelope schema ({@code writer}, with its key schema), or empty when its shape is not one this
     * plan handles in binary (the generic path then normalises it).
     */
    public static Optional<NormalizePlan> of(Schema writer, Schema key) {
        if (writer.getType() != Schema.Type.RECORD || writer.getProp(Envelope.TABLE_PROP) == null) {
            return Optional.empty();
        }
        List<String> names = writer.getFields().stream().map(Schema.Field::name).toList();
        if (!names.equals(List.of(Envelope.Fields.BEFORE, Envelope.Fields.AFTER, Envelope.Fields.SOURCE, Envelope.Fields.OP,
                Envelope.Fields.TS_MS, Envelope.Fields.UNCHANGED))) {
            return Optional.empty(); // an envelope of another version: Envelope.read knows what to make of it
        }
        Schema src = writer.getField(Envelope.Fields.SOURCE).schema();
        Schema.Field ts = src.getType() == Schema.Type.RECORD ? src.getField(Envelope.SourceFields.TS_MS) : null;
        if (ts == null || ts.schema().getType() != Schema.Type.LONG
                || writer.getField(Envelope.Fields.OP).schema().getType() != Schema.Type.STRING) {
            return Optional.empty();
        }
        TableSchema in = Envelope.tableSchema(writer, key);
        TableSchema normalized = Normalizer.normalizedShape(in);
        for (Column c : in.columns()) {
            if (c.normalizedType() != null && CONVERTS.get(c.normalizedType()) != c.type().avroSchema().getType()) {
                return Optional.empty();
            }
        }
        Schema output = in.equals(normalized) ? writer : Envelope.valueSchema(normalized);
        if (!output.getFields().stream().map(Schema.Field::name).toList().equals(names)) {
            return Optional.empty();
        }
        return Optional.of(new NormalizePlan(in, writer, output));
    }

    /** The schema of what {@link #rewrite} writes: the writer schema when nothing changes. */
    public Schema output() {
        return output;
    }

    /** Whether events of this shape change at all: false for a table without columns to normalise. */
    public boolean changes() {
        return changes;
    }

    /** The op and source time of {@code wire} (Confluent wire bytes of this plan's writer schema), nothing rewritten. */
    public Read read(byte[] wire) {
        return rewrite(wire, -1);
    }

    /**
     * The normalised envelope of {@code wire} (Confluent wire bytes of this plan's writer schema) as Confluent wire
     * bytes with schema id {@code outputId} (the output schema's id in the service topic's subject); with
     * {@code outputId} -1 only reads.
     *
     * @throws IllegalArgumentException a value of the after-image or of a delete's key that cannot be converted,
     *                                  as {@link Normalizer} words it (the topology dead-letters the record)
     */
    public Read rewrite(byte[] wire, int outputId) {
        try {
            int[] ends = new int[top.length];
            BinaryDecoder d = DecoderFactory.get().binaryDecoder(wire, HEADER, wire.length - HEADER, null);
            String op = null;
            long ts = 0;
            for (int i = 0; i < top.length; i++) {
                if (i == sourceAt) {
                    for (int s = 0; s < source.length; s++) {
                        if (s == sourceTsAt) {
                            ts = d.readLong();
                        } else {
                            GenericDatumReader.skip(source[s], d);
                        }
                    }
                } else if (i == opAt) {
                    op = d.readString();
                } else {
                    GenericDatumReader.skip(top[i], d);
                }
                ends[i] = position(wire.length, d);
            }
            if (outputId < 0 || !changes) {
                return new Read(op, ts, outputId < 0 ? null : io.tributary.schemas.registry.AvroSerde.withSchemaId(wire, outputId));
            }
            return new Read(op, ts, convert(wire, ends, op, outputId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read an envelope of " + in.table() + ": " + e.getMessage(), e);
        }
    }

    private byte[] convert(byte[] wire, int[] ends, String op, int outputId) throws IOException {
        Buffer out = new Buffer(wire.length + 16);
        out.write(MAGIC);
        out.write(java.nio.ByteBuffer.allocate(4).putInt(outputId).array());
        BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(out, null);
        boolean delete = "d".equals(op);
        int start = HEADER;
        for (int i = 0; i < top.length; i++) {
            if (i == beforeAt || i == afterAt) {
                BinaryDecoder d = DecoderFactory.get().binaryDecoder(wire, start, ends[i] - start, null);
                int mark = out.size();
                try {
                    image(wire, ends[i], d, e, delete && i == beforeAt);
                } catch (IllegalArgumentException unconvertible) {
                    if (i == afterAt || delete) {
                        throw unconvertible;
                    }
                    out.rewind(mark); // an insert's or update's before-image that does not convert is left out (Normalizer)
                    e.writeIndex(rowNullIndex);
                }
            } else {
                out.write(wire, start, ends[i] - start);
            }
            start = ends[i];
        }
        return out.toByteArray();
    }

    /**
     * One row image ({@code union {null, row}}); a value that does not convert throws, except in a delete's before-image
     * ({@code forgiving}), where only the key's must convert.
     */
    private void image(byte[] wire, int end, BinaryDecoder d, BinaryEncoder e, boolean forgiving) throws IOException {
        int index = d.readIndex();
        e.writeIndex(index);
        if (index == rowNullIndex) {
            return;
        }
        int copyFrom = -1;
        for (int f = 0; f < rowSchemas.length; f++) {
            Converting c = converting[f];
            if (c == null) {
                int at = position(end, d);
                if (copyFrom < 0) {
                    copyFrom = at;
                }
                GenericDatumReader.skip(rowSchemas[f], d);
                continue;
            }
            if (copyFrom >= 0) {
                e.writeFixed(wire, copyFrom, position(end, d) - copyFrom);
                copyFrom = -1;
            }
            Object v = null;
            if (!c.optionalIn() || d.readIndex() != c.inNull()) {
                v = c.column().type().avroSchema().getType() == Schema.Type.LONG ? (Object) d.readLong() : d.readString();
            }
            Object converted;
            if (v == null) {
                converted = null;
            } else if (!forgiving || c.key()) {
                converted = Normalizer.convertValue(v, c.column(), in);
            } else {
                try {
                    converted = Conversions.convert(v, c.column().normalizedType());
                } catch (IllegalArgumentException unconvertible) {
                    converted = c.column().optional() ? null : Normalizer.zero(c.column().normalizedType());
                }
            }
            write(c, converted, e);
        }
        if (copyFrom >= 0) {
            e.writeFixed(wire, copyFrom, position(end, d) - copyFrom);
        }
    }

    /** Where {@code d}, reading {@code wire} up to {@code end}, stands. */
    private static int position(int end, BinaryDecoder d) throws IOException {
        return end - d.inputStream().available();
    }

    private static void write(Converting c, Object v, BinaryEncoder e) throws IOException {
        if (c.optionalOut()) {
            if (v == null) {
                e.writeIndex(c.outNull());
                return;
            }
            e.writeIndex(c.outValue());
        } else if (v == null) {
            throw new NullPointerException("null for the NOT NULL column " + c.column().name()); // as Avro's writer refuses it
        }
        switch (c.outType()) {
            case BOOLEAN -> e.writeBoolean((Boolean) v);
            case INT -> e.writeInt((Integer) v);
            case LONG -> e.writeLong((Long) v);
            case STRING -> e.writeString(v.toString());
            default -> throw new IllegalStateException("no binary conversion to " + c.outType()); // of() prepares none
        }
    }

    /** A byte buffer that can drop what was written after a mark. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer(int size) {
            super(size);
        }

        void rewind(int mark) {
            count = mark;
        }
    }
}
