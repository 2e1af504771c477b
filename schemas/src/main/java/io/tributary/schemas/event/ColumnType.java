package io.tributary.schemas.event;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * The column types of the change-event contract, and how each travels in Avro. Every field of a row record
 * carries its type as the Avro property {@code tributary.type}, and the type the source declared as
 * {@code tributary.source.type}, so that later stages can create exact target columns.
 *
 * <p>Exactness: DECIMAL travels as its exact decimal text (a numeric without a declared scale has no fixed
 * Avro scale); TIMESTAMPTZ as microseconds since the epoch in UTC; TIMESTAMP (no zone) as local
 * microseconds; JSON and UUID as their text.
 */
public enum ColumnType {
    BOOLEAN(Schema.Type.BOOLEAN),
    INT16(Schema.Type.INT),
    INT32(Schema.Type.INT),
    INT64(Schema.Type.LONG),
    FLOAT32(Schema.Type.FLOAT),
    FLOAT64(Schema.Type.DOUBLE),
    DECIMAL(Schema.Type.STRING),
    TEXT(Schema.Type.STRING),
    BYTES(Schema.Type.BYTES),
    DATE(Schema.Type.INT),
    TIME(Schema.Type.LONG),
    TIMESTAMP(Schema.Type.LONG),
    TIMESTAMPTZ(Schema.Type.LONG),
    JSON(Schema.Type.STRING),
    UUID(Schema.Type.STRING);

    private final Schema.Type avroType;

    ColumnType(Schema.Type avroType) {
        this.avroType = avroType;
    }

    /** The (non-null) Avro schema of a value of this type. */
    public Schema avroSchema() {
        Schema s = Schema.create(avroType);
        return switch (this) {
            case DATE -> LogicalTypes.date().addToSchema(s);
            case TIME -> LogicalTypes.timeMicros().addToSchema(s);
            case TIMESTAMP -> LogicalTypes.localTimestampMicros().addToSchema(s);
            case TIMESTAMPTZ -> LogicalTypes.timestampMicros().addToSchema(s);
            case UUID -> LogicalTypes.uuid().addToSchema(s);
            default -> s;
        };
    }

    /**
     * A default value ({@link Column#defaultValue()}) as the text of the schema property
     * {@code tributary.default}: integers (also DATE days and TIME/TIMESTAMP microseconds) in decimal,
     * floating point as Java prints it (it parses back to the same bits), BOOLEAN as true/false, BYTES in hex,
     * text types as themselves.
     */
    public String formatDefault(Object v) {
        return switch (this) {
            case BYTES -> java.util.HexFormat.of().formatHex(bytes(v));
            case FLOAT32 -> Float.toString(((Number) v).floatValue());
            case FLOAT64 -> Double.toString(((Number) v).doubleValue());
            default -> v.toString();
        };
    }

    /** The default value {@link #formatDefault} wrote. */
    public Object parseDefault(String text) {
        return switch (this) {
            case BOOLEAN -> Boolean.parseBoolean(text);
            case INT16, INT32, DATE -> Integer.parseInt(text);
            case INT64, TIME, TIMESTAMP, TIMESTAMPTZ -> Long.parseLong(text);
            case FLOAT32 -> Float.parseFloat(text);
            case FLOAT64 -> Double.parseDouble(text);
            case BYTES -> java.nio.ByteBuffer.wrap(java.util.HexFormat.of().parseHex(text));
            case DECIMAL, TEXT, JSON, UUID -> text;
        };
    }

    private static byte[] bytes(Object v) {
        if (v instanceof byte[] b) {
            return b;
        }
        java.nio.ByteBuffer bb = ((java.nio.ByteBuffer) v).duplicate();
        byte[] b = new byte[bb.remaining()];
        bb.get(b);
        return b;
    }
}
