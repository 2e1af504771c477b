package io.tributary.schemas.event;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The change-event contract in Avro: a Debezium-compatible envelope ({@code before}, {@code after},
 * {@code source}, {@code op}, {@code ts_ms}) as the record value, and the primary key as its own record as
 * the record key. After a delete the capture also writes a tombstone (same key, null value) so that topics
 * can be compacted.
 *
 * <p>Record names follow Debezium: {@code <namespace>.Value}, {@code .Key}, {@code .Envelope}, with the
 * topic's parts (made valid Avro names) as namespace. The {@code source} block adds {@code pos}, the
 * event's {@link Position}.
 *
 * <p>A column whose name Avro refuses (a space, {@code -}, {@code $}, a leading digit, non-ASCII) gets a
 * valid field name ({@link #avroName}, with {@code _2}, {@code _3}... when two columns would meet) and keeps
 * its source name in the field property {@value #COLUMN_PROP}; {@link #read} and {@link #tableSchema} give
 * the source name back, so readers (the transform, the sink) see the columns as the source named them.
 */
public final class Envelope {
    public static final String TYPE_PROP = "tributary.type";
    public static final String SOURCE_TYPE_PROP = "tributary.source.type";
    public static final String TABLE_PROP = "tributary.table";
    public static final String DEFAULT_PROP = "tributary.default";
    public static final String NORMALIZED_TYPE_PROP = "tributary.normalized.type";
    /** On a field whose Avro name is not the column's name: the column's name in the source. */
    public static final String COLUMN_PROP = "tributary.column";
    public static final String VERSION = "0.1.0";

    /** Field names of the envelope record, as in Debezium's {@code Envelope.FieldName}. */
    public static final class Fields {
        public static final String BEFORE = "before";
        public static final String AFTER = "after";
        public static final String SOURCE = "source";
        public static final String OP = "op";
        public static final String TS_MS = "ts_ms";
        public static final String UNCHANGED = "unchanged";

        private Fields() {
        }
    }

    /** Field names of the {@code source} block. */
    public static final class SourceFields {
        public static final String VERSION = "version";
        public static final String CONNECTOR = "connector";
        public static final String NAME = "name";
        public static final String TS_MS = "ts_ms";
        public static final String SNAPSHOT = "snapshot";
        public static final String DB = "db";
        public static final String SCHEMA = "schema";
        public static final String TABLE = "table";
        public static final String TX_ID = "txId";
        public static final String LSN = "lsn";
        public static final String POS = "pos";

        private SourceFields() {
        }
    }

    static final Schema SOURCE_SCHEMA = SchemaBuilder.record("Source").namespace("io.tributary")
            .fields()
            .requiredString("version")
            .requiredString("connector")
            .requiredString("name")
            .requiredLong("ts_ms")
            .requiredString("snapshot")
            .requiredString("db")
            .requiredString("schema")
            .requiredString("table")
            .optionalLong("txId")
            .optionalLong("lsn")
            .name("pos").type().array().items().longType().noDefault()
            .endRecord();

    private record Schemas(Schema key, Schema row, Schema envelope) {
    }

    private static final Map<TableSchema, Schemas> CACHE = new ConcurrentHashMap<>();

    private Envelope() {
    }

    public static Schema keySchema(TableSchema t) {
        return schemas(t).key;
    }

    public static Schema valueSchema(TableSchema t) {
        return schemas(t).envelope;
    }

    private static Schemas schemas(TableSchema t) {
        return CACHE.computeIfAbsent(t, Envelope::build);
    }

    private static Schemas build(TableSchema t) {
        String ns = avroName(t.table().source()) + "." + avroName(t.table().schema()) + "." + avroName(t.table().table());
        List<Schema.Field> rowFields = new ArrayList<>();
        List<Schema.Field> keyFields = new ArrayList<>();
        java.util.Set<String> taken = new java.util.HashSet<>();
        for (Column c : t.columns()) {
            Schema type = c.type().avroSchema();
            String field = fieldName(c.name(), taken);
            Schema.Field f = c.optional()
                    ? new Schema.Field(field, Schema.createUnion(Schema.create(Schema.Type.NULL), type), null, Schema.Field.NULL_DEFAULT_VALUE)
                    : new Schema.Field(field, type);
            annotate(f, c);
            DefinitionProps.annotateField(f, c.name(), t.definition());
            rowFields.add(f);
            if (t.primaryKey().contains(c.name())) {
                Schema.Field k = new Schema.Field(field, c.type().avroSchema());
                annotate(k, c);
                keyFields.add(k);
            }
        }
        keyFields.sort(java.util.Comparator.comparingInt(f -> t.primaryKey().indexOf(columnName(f))));
        Schema key = Schema.createRecord("Key", null, ns, false, keyFields);
        Schema row = Schema.createRecord("Value", null, ns, false, rowFields);
        Schema optionalRow = Schema.createUnion(Schema.create(Schema.Type.NULL), row);
        Schema envelope = Schema.createRecord("Envelope", null, ns, false, List.of(
                new Schema.Field("before", optionalRow, null, Schema.Field.NULL_DEFAULT_VALUE),
                new Schema.Field("after", optionalRow, null, Schema.Field.NULL_DEFAULT_VALUE),
                new Schema.Field("source", SOURCE_SCHEMA),
                new Schema.Field("op", Schema.create(Schema.Type.STRING)),
                new Schema.Field("ts_ms", Schema.create(Schema.Type.LONG)),
                new Schema.Field("unchanged", Schema.createArray(Schema.create(Schema.Type.STRING)), null, List.of())));
        // the table as the source names it (its topic name may differ: Topics makes it a valid topic name)
        String table = t.table().source() + "." + t.table().schema() + "." + t.table().table();
        envelope.addProp(TABLE_PROP, table);
        DefinitionProps.annotateEnvelope(envelope, t.definition());
        key.addProp(TABLE_PROP, table);
        return new Schemas(key, row, envelope);
    }

    /** A valid, unused Avro field name for column {@code column}: the name itself when Avro accepts it. */
    private static String fieldName(String column, java.util.Set<String> taken) {
        String base = column.matches("[A-Za-z_][A-Za-z0-9_]*") ? column : avroName(column);
        String name = base;
        for (int n = 2; !taken.add(name); n++) {
            name = base + "_" + n;
        }
        return name;
    }

    /** The source column a row or key field holds: its {@value #COLUMN_PROP} property, else its name. */
    public static String columnName(Schema.Field f) {
        String source = f.getProp(COLUMN_PROP);
        return source != null ? source : f.name();
    }

    private static void annotate(Schema.Field f, Column c) {
        if (!f.name().equals(c.name())) {
            f.addProp(COLUMN_PROP, c.name());
        }
        f.addProp(TYPE_PROP, c.type().name());
        if (c.sourceType() != null) {
            f.addProp(SOURCE_TYPE_PROP, c.sourceType());
        }
        if (c.defaultValue() != null) {
            f.addProp(DEFAULT_PROP, c.type().formatDefault(c.defaultValue()));
        }
        if (c.normalizedType() != null) {
            f.addProp(NORMALIZED_TYPE_PROP, c.normalizedType().name());
        }
    }

    /** The key record of an event: its primary key columns, from the after image (before image for deletes). */
    public static GenericRecord key(ChangeEvent e) {
        Map<String, Object> row = e.after() != null ? e.after() : e.before();
        GenericData.Record k = new GenericData.Record(keySchema(e.schema()));
        for (Schema.Field f : k.getSchema().getFields()) {
            k.put(f.pos(), row.get(columnName(f)));
        }
        return k;
    }

    /** The envelope record of an event, {@code ts_ms} being {@link ChangeEvent#tsMs()}. */
    public static GenericRecord value(ChangeEvent e) {
        return value(e, e.tsMs());
    }

    /** The envelope record of an event with {@code ts_ms} set to {@code tsMs}. */
    static GenericRecord value(ChangeEvent e, long tsMs) {
        Schemas s = schemas(e.schema());
        GenericData.Record source = new GenericData.Record(SOURCE_SCHEMA);
        TableRef t = e.schema().table();
        source.put("version", VERSION);
        source.put("connector", e.connector());
        source.put("name", t.source());
        source.put("ts_ms", e.commitTsMs());
        source.put("snapshot", e.snapshot());
        source.put("db", e.database());
        source.put("schema", t.schema());
        source.put("table", t.table());
        source.put("txId", e.txId());
        source.put("lsn", e.lsn());
        source.put("pos", e.position().toList());
        GenericData.Record v = new GenericData.Record(s.envelope);
        v.put("before", row(s.row, e.before(), List.of()));
        v.put("after", row(s.row, e.after(), e.unchanged()));
        v.put("source", source);
        v.put("op", e.op().code());
        v.put("ts_ms", tsMs);
        v.put("unchanged", e.unchanged());
        return v;
    }

    private static GenericRecord row(Schema schema, Map<String, Object> values, List<String> unchanged) {
        if (values == null) {
            return null;
        }
        GenericData.Record r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            Object v = values.get(columnName(f));
            if (unchanged.contains(columnName(f))) {
                v = f.schema().isUnion() ? null : placeholder(f.schema());
            }
            r.put(f.pos(), v);
        }
        return r;
    }

    /** A stand-in for an unchanged NOT NULL column; readers ignore it because {@code unchanged} names the column. */
    private static Object placeholder(Schema s) {
        return switch (s.getType()) {
            case STRING -> "";
            case BYTES -> java.nio.ByteBuffer.allocate(0);
            case INT -> 0;
            case LONG -> 0L;
            case FLOAT -> 0f;
            case DOUBLE -> 0d;
            case BOOLEAN -> false;
            default -> throw new IllegalArgumentException("no placeholder for Avro type " + s.getType());
        };
    }

    // ---- reading an envelope back (the transform, the sink, service teams) ----

    private static final Map<Schema, TableSchema> SHAPES = new ConcurrentHashMap<>();

    /**
     * The change event a key and envelope record hold (as {@link io.tributary.schemas.registry.AvroSerde}
     * decodes them). Avro strings come back as Java strings; the table shape is parsed once per schema.
     *
     * @throws IllegalArgumentException if {@code value} is null (a tombstone carries no event) or is not an
     *                                  envelope of this contract
     */
    public static ChangeEvent read(GenericRecord key, GenericRecord value) {
        if (value == null) {
            throw new IllegalArgumentException("a tombstone (null value) carries no change event; skip it before reading");
        }
        if (value.getSchema().getProp(TABLE_PROP) == null || value.getSchema().getField(Fields.SOURCE) == null) {
            throw new IllegalArgumentException("record " + value.getSchema().getFullName() + " is not a Tributary change-event envelope "
                    + "(no '" + TABLE_PROP + "' property or no source block)");
        }
        TableSchema shape = SHAPES.computeIfAbsent(value.getSchema(), s -> tableSchema(s, key.getSchema()));
        GenericRecord source = (GenericRecord) value.get(Fields.SOURCE);
        return new ChangeEvent(shape, Op.fromCode(value.get(Fields.OP).toString()), image(value, Fields.BEFORE), image(value, Fields.AFTER),
                position(source), (Long) source.get(SourceFields.TS_MS), source.get(SourceFields.SNAPSHOT).toString(),
                source.get(SourceFields.CONNECTOR).toString(), source.get(SourceFields.DB).toString(),
                (Long) source.get(SourceFields.TX_ID), (Long) source.get(SourceFields.LSN), unchanged(value), (Long) value.get(Fields.TS_MS));
    }

    /** The table shape an envelope schema describes, as the capture declared it. */
    public static TableSchema tableSchema(Schema envelope, Schema key) {
        Schema row = rowSchema(envelope);
        List<Column> cols = new ArrayList<>();
        for (Schema.Field f : row.getFields()) {
            boolean optional = f.schema().isUnion();
            ColumnType type = ColumnType.valueOf(f.getProp(TYPE_PROP));
            String dflt = f.getProp(DEFAULT_PROP);
            String normalized = f.getProp(NORMALIZED_TYPE_PROP);
            cols.add(new Column(columnName(f), type, f.getProp(SOURCE_TYPE_PROP), optional, dflt == null ? null : type.parseDefault(dflt),
                    normalized == null ? null : ColumnType.valueOf(normalized)));
        }
        String[] parts = envelope.getProp(TABLE_PROP).split("\\.", 3);
        return new TableSchema(new TableRef(parts[0], parts[1], parts[2]), cols,
                key.getFields().stream().map(Envelope::columnName).toList(), DefinitionProps.read(envelope, row));
    }

    /** The row record schema ({@code <namespace>.Value}) of an envelope schema. */
    public static Schema rowSchema(Schema envelope) {
        return envelope.getField(Fields.AFTER).schema().getTypes().get(1);
    }

    @SuppressWarnings("unchecked")
    private static Position position(GenericRecord source) {
        return Position.fromList((List<Long>) source.get(SourceFields.POS));
    }

    /** The columns of the after image whose value the source did not send. */
    private static List<String> unchanged(GenericRecord value) {
        Object u = value.getSchema().getField(Fields.UNCHANGED) == null ? null : value.get(Fields.UNCHANGED);
        if (u == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) u) {
            out.add(o.toString());
        }
        return out;
    }

    /** The before or after image as a column-name map (Avro strings as Java strings), or null. */
    private static Map<String, Object> image(GenericRecord value, String which) {
        GenericRecord r = (GenericRecord) value.get(which);
        if (r == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (Schema.Field f : r.getSchema().getFields()) {
            Object v = r.get(f.pos());
            m.put(columnName(f), v instanceof CharSequence cs ? cs.toString() : v);
        }
        return m;
    }

    /** Makes a name valid in Avro: letters, digits and '_', not starting with a digit. */
    public static String avroName(String s) {
        String clean = s.replaceAll("[^A-Za-z0-9_]", "_");
        return clean.isEmpty() || Character.isDigit(clean.charAt(0)) ? "_" + clean : clean;
    }
}
