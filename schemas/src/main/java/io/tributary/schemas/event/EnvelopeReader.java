package io.tributary.schemas.event;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * {@link Envelope#read} straight from the Avro binary of one envelope shape, prepared once per (key schema,
 * envelope schema): the values go from Avro's {@link BinaryDecoder} into the change event's row maps, with no
 * generic records between. The sink's profile had a sixth of its threads in decoding events (generic records
 * first, then the maps); the event this makes is equal to {@link Envelope#read}'s ({@code EnvelopeReaderTest}
 * compares both on randomized events).
 *
 * <p>Only envelopes of this contract's shape are prepared ({@link #of} is empty for another: an older envelope
 * without {@code unchanged}, a row field of a type the contract does not write); those are read the generic way.
 */
public final class EnvelopeReader {
    private static final int HEADER = 5;
    private static final List<String> TOP = List.of(Envelope.Fields.BEFORE, Envelope.Fields.AFTER, Envelope.Fields.SOURCE,
            Envelope.Fields.OP, Envelope.Fields.TS_MS, Envelope.Fields.UNCHANGED);
    private static final Set<Schema.Type> PRIMITIVES = Set.of(Schema.Type.BOOLEAN, Schema.Type.INT, Schema.Type.LONG, Schema.Type.FLOAT,
            Schema.Type.DOUBLE, Schema.Type.STRING, Schema.Type.BYTES);

    private final TableSchema shape;
    private final Schema key;
    private final int rowNull;
    private final String[] columns;
    private final Schema.Type[] types;
    /** Per row field: the union index of null, or -1 for a NOT NULL field. */
    private final int[] nulls;

    private EnvelopeReader(TableSchema shape, Schema key, Schema row, int rowNull) {
        this.shape = shape;
        this.key = key;
        this.rowNull = rowNull;
        List<Schema.Field> fields = row.getFields();
        this.columns = new String[fields.size()];
        this.types = new Schema.Type[fields.size()];
        this.nulls = new int[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            Schema s = fields.get(i).schema();
            columns[i] = Envelope.columnName(fields.get(i));
            nulls[i] = s.isUnion() ? s.getIndexNamed(Schema.Type.NULL.getName()) : -1;
            types[i] = (s.isUnion() ? s.getTypes().get(1 - nulls[i]) : s).getType();
        }
    }

    /** The reader of envelopes written with {@code envelope} and keyed by {@code key}; empty for a shape it does not prepare. */
    public static Optional<EnvelopeReader> of(Schema envelope, Schema key) {
        if (envelope.getType() != Schema.Type.RECORD || envelope.getProp(Envelope.TABLE_PROP) == null
                || !envelope.getFields().stream().map(Schema.Field::name).toList().equals(TOP)
                || !envelope.getField(Envelope.Fields.SOURCE).schema().equals(Envelope.SOURCE_SCHEMA)
                || envelope.getField(Envelope.Fields.OP).schema().getType() != Schema.Type.STRING
                || envelope.getField(Envelope.Fields.TS_MS).schema().getType() != Schema.Type.LONG
                || !envelope.getField(Envelope.Fields.UNCHANGED).schema().equals(Schema.createArray(Schema.create(Schema.Type.STRING)))) {
            return Optional.empty();
        }
        Schema union = envelope.getField(Envelope.Fields.AFTER).schema();
        if (!union.isUnion() || union.getTypes().size() != 2 || !union.equals(envelope.getField(Envelope.Fields.BEFORE).schema())) {
            return Optional.empty();
        }
        int rowNull = union.getIndexNamed(Schema.Type.NULL.getName()) == null ? -1 : union.getIndexNamed(Schema.Type.NULL.getName());
        if (rowNull < 0 || union.getTypes().get(1 - rowNull).getType() != Schema.Type.RECORD) {
            return Optional.empty();
        }
        Schema row = union.getTypes().get(1 - rowNull);
        for (Schema.Field f : row.getFields()) {
            Schema s = f.schema();
            if (s.isUnion()) {
                Integer n = s.getIndexNamed(Schema.Type.NULL.getName());
                if (s.getTypes().size() != 2 || n == null) {
                    return Optional.empty();
                }
                s = s.getTypes().get(1 - n);
            }
            if (!PRIMITIVES.contains(s.getType())) {
                return Optional.empty();
            }
        }
        return Optional.of(new EnvelopeReader(Envelope.tableSchema(envelope, key), key, row, rowNull));
    }

    /**
     * The change event of a record: {@code keyWire} and {@code valueWire} are Confluent wire bytes of this reader's
     * key and envelope schemas. The key is checked to be a whole key record, not read: the event's key values are
     * its row image's. Bytes past the records are not read (as Avro's generic reader does not).
     *
     * @throws IOException bytes that are not such a record (truncated)
     */
    public ChangeEvent read(byte[] keyWire, byte[] valueWire) throws IOException {
        BinaryDecoder k = DecoderFactory.get().binaryDecoder(keyWire, HEADER, keyWire.length - HEADER, null);
        GenericDatumReader.skip(key, k);
        BinaryDecoder d = DecoderFactory.get().binaryDecoder(valueWire, HEADER, valueWire.length - HEADER, null);
        Map<String, Object> before = image(d);
        Map<String, Object> after = image(d);
        d.skipString(); // source.version
        String connector = d.readString();
        d.skipString(); // source.name: the table's source, in the shape
        long commitTsMs = d.readLong();
        String snapshot = d.readString();
        String database = d.readString();
        d.skipString(); // source.schema, source.table: in the shape
        d.skipString();
        Long txId = optionalLong(d);
        Long lsn = optionalLong(d);
        long[] pos = new long[Position.LENGTH];
        int n = 0;
        for (long block = d.readArrayStart(); block != 0; block = d.arrayNext()) {
            for (long i = 0; i < block; i++) {
                long v = d.readLong();
                if (n < pos.length) {
                    pos[n] = v;
                }
                n++;
            }
        }
        if (n != Position.LENGTH) {
            throw new IllegalArgumentException("a position has " + Position.LENGTH + " parts, got " + n);
        }
        Op op = Op.fromCode(d.readString());
        long tsMs = d.readLong();
        List<String> unchanged = List.of();
        for (long block = d.readArrayStart(); block != 0; block = d.arrayNext()) {
            List<String> u = new ArrayList<>();
            for (long i = 0; i < block; i++) {
                u.add(d.readString());
            }
            unchanged = unchanged.isEmpty() ? u : concat(unchanged, u);
        }
        return new ChangeEvent(shape, op, before, after, new Position(pos), commitTsMs, snapshot, connector, database, txId, lsn,
                unchanged, tsMs);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static Long optionalLong(BinaryDecoder d) throws IOException {
        // Envelope's source block: union {null, long}, null first
        return d.readIndex() == 0 ? null : d.readLong();
    }

    private Map<String, Object> image(BinaryDecoder d) throws IOException {
        if (d.readIndex() == rowNull) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>(columns.length * 2);
        for (int i = 0; i < columns.length; i++) {
            if (nulls[i] >= 0 && d.readIndex() == nulls[i]) {
                m.put(columns[i], null);
                continue;
            }
            m.put(columns[i], switch (types[i]) {
                case BOOLEAN -> d.readBoolean();
                case INT -> d.readInt();
                case LONG -> d.readLong();
                case FLOAT -> d.readFloat();
                case DOUBLE -> d.readDouble();
                case STRING -> d.readString();
                case BYTES -> d.readBytes(null);
                default -> throw new IllegalStateException("no reader for " + types[i]); // of() prepares none
            });
        }
        return m;
    }
}
