package io.tributary.capture.postgres;

import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.TableSchema;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns Debezium's Kafka Connect rows into the contract's columns and values. Relies on the connector
 * settings {@link PostgresCapture} sets: decimals as exact strings, times in microseconds, and the source
 * column type propagated into each field's schema parameters.
 */
final class ConnectRecords {
    private static final String TYPE = "__debezium.source.column.type";
    private static final String LENGTH = "__debezium.source.column.length";
    private static final String SCALE = "__debezium.source.column.scale";
    private static final Set<String> SIZED = Set.of("NUMERIC", "DECIMAL", "VARCHAR", "BPCHAR", "CHAR", "BIT");
    /**
     * The serial pseudo-types JDBC metadata names in a snapshot, as the integer types pgoutput names in the
     * stream: a serial column is an integer with a sequence default, and one declared type keeps one schema.
     */
    private static final Map<String, String> SERIALS = Map.of("BIGSERIAL", "INT8", "SERIAL", "INT4", "SMALLSERIAL", "INT2");

    private ConnectRecords() {
    }

    static TableSchema tableSchema(TableRef table, Schema rowSchema, Schema keySchema) {
        List<Column> cols = new ArrayList<>();
        for (Field f : rowSchema.fields()) {
            cols.add(new Column(f.name(), type(table, f), sourceType(f.schema()), f.schema().isOptional()));
        }
        return new TableSchema(table, cols, keySchema.fields().stream().map(Field::name).toList());
    }

    static String sourceType(Schema s) {
        Map<String, String> p = s.parameters() == null ? Map.of() : s.parameters();
        String t = p.get(TYPE);
        if (t == null) {
            return null;
        }
        t = SERIALS.getOrDefault(t, t);
        String len = p.get(LENGTH);
        String element = t.startsWith("_") ? t.substring(1) : t; // an array's size is its element's: _NUMERIC(10,2) is numeric(10,2)[]
        boolean decimal = element.equals("NUMERIC") || element.equals("DECIMAL");
        // unbounded numeric and varchar arrive with length 0 from a snapshot (JDBC metadata) and with
        // 131089 / 2147483647 from the stream (pgoutput typmod -1): both mean "no declared size"
        boolean unbounded = len == null || len.equals("0") || Long.parseLong(len) > 10_485_760L
                || decimal && Long.parseLong(len) > 1000;
        if (SIZED.contains(element) && !unbounded) {
            String scale = p.get(SCALE);
            return t + "(" + len + (scale != null && decimal ? "," + scale : "") + ")";
        }
        return t;
    }

    private static ColumnType type(TableRef table, Field f) {
        Schema s = f.schema();
        String name = s.name() == null ? "" : s.name();
        String declared = s.parameters() == null ? "" : s.parameters().getOrDefault(TYPE, "");
        return switch (s.type()) {
            case BOOLEAN -> ColumnType.BOOLEAN;
            case INT8, INT16 -> ColumnType.INT16;
            case INT32 -> name.equals("io.debezium.time.Date") ? ColumnType.DATE
                    : name.equals("io.debezium.time.Time") ? ColumnType.TIME : ColumnType.INT32;
            case INT64 -> switch (name) {
                case "io.debezium.time.MicroTime", "io.debezium.time.NanoTime" -> ColumnType.TIME;
                case "io.debezium.time.MicroTimestamp", "io.debezium.time.Timestamp", "io.debezium.time.NanoTimestamp" -> ColumnType.TIMESTAMP;
                default -> ColumnType.INT64;
            };
            case FLOAT32 -> ColumnType.FLOAT32;
            case FLOAT64 -> ColumnType.FLOAT64;
            case STRING -> switch (name) {
                case "io.debezium.time.ZonedTimestamp" -> ColumnType.TIMESTAMPTZ;
                case "io.debezium.data.Json" -> ColumnType.JSON;
                case "io.debezium.data.Uuid" -> ColumnType.UUID;
                default -> declared.equals("NUMERIC") || declared.equals("DECIMAL") || declared.equals("MONEY") ? ColumnType.DECIMAL : ColumnType.TEXT;
            };
            case BYTES -> textInBytes(table, f, name, declared) ? ColumnType.TEXT : ColumnType.BYTES;
            // hstore travels as PostgreSQL's text of the value (PgText), arrays as the server's text (PgArrays); the source type names the type
            case MAP -> ColumnType.TEXT;
            default -> throw refused(table, f, declared, s.type().toString());
        };
    }

    /**
     * Whether a BYTES field holds text: a bit string (Debezium's {@code Bits}) or a value of a type Debezium
     * does not know ({@code include.unknown.datatypes}; its declared type is then neither {@code bytea} nor a
     * bit string).
     */
    private static boolean textInBytes(TableRef table, Field f, String name, String declared) {
        if (name.equals(PgText.BITS)) {
            if (!declared.equals("BIT")) {
                // varbit: Debezium sends the value as a number, so a shorter value's leading zeros are lost
                throw refused(table, f, declared, "a bit string of varying length");
            }
            return true;
        }
        return !declared.isEmpty() && !declared.equals("BYTEA");
    }

    private static IllegalStateException refused(TableRef table, Field f, String declared, String what) {
        return new IllegalStateException("column " + table + "." + f.name() + " has type " + declared + " (" + what
                + "), which Tributary does not carry exactly; exclude the table, or change the column to a type it carries "
                + "(docs/operations.md, \"What each capture carries\")");
    }

    /** Debezium's stand-in for a TOAST value PostgreSQL did not send because it did not change. */
    static final String UNAVAILABLE = "__debezium_unavailable_value";
    private static final ByteBuffer UNAVAILABLE_BYTES = ByteBuffer.wrap(UNAVAILABLE.getBytes(java.nio.charset.StandardCharsets.UTF_8));

    /** Columns of {@code after} that hold the placeholder: removed from the row and named instead. */
    static List<String> unchangedToast(Map<String, Object> after) {
        if (after == null) {
            return List.of();
        }
        List<String> unchanged = new ArrayList<>();
        for (Map.Entry<String, Object> e : after.entrySet()) {
            Object v = e.getValue();
            if (UNAVAILABLE.equals(v) || (v instanceof ByteBuffer b && b.equals(UNAVAILABLE_BYTES))) {
                unchanged.add(e.getKey());
            }
        }
        unchanged.forEach(c -> after.put(c, null));
        return unchanged;
    }

    /**
     * A Connect row as a map of the contract's Avro representation, its columns looked up by name (a capture uses
     * the {@link RowPlan} of the row's schema, which looks them up once).
     */
    static Map<String, Object> row(Struct struct, TableSchema t) {
        if (struct == null) {
            return null;
        }
        Map<String, Object> m = new HashMap<>(t.columns().size() * 2);
        for (Field f : struct.schema().fields()) {
            Object v = struct.get(f);
            Column c = t.column(f.name()).orElseThrow();
            m.put(f.name(), v == null ? null : value(v, c, f.schema()));
        }
        return m;
    }

    /** A non-null Connect value of {@code c} (a field of {@code schema}) in the contract's Avro representation. */
    static Object value(Object v, Column c, Schema schema) {
        String connectName = schema.name();
        return switch (c.type()) {
            case TEXT -> switch (schema.type()) {
                case MAP -> PgText.hstore((Map<?, ?>) v);
                case BYTES -> PgText.BITS.equals(connectName)
                        ? PgText.bits(v, Integer.parseInt(schema.parameters().getOrDefault("length", schema.parameters().get(LENGTH))))
                        : PgText.unknown(v);
                default -> v;
            };
            case INT16 -> ((Number) v).intValue();
            case TIME -> switch (connectName == null ? "" : connectName) {
                case "io.debezium.time.Time" -> ((Number) v).longValue() * 1000;
                case "io.debezium.time.NanoTime" -> ((Number) v).longValue() / 1000;
                default -> ((Number) v).longValue();
            };
            case TIMESTAMP -> switch (connectName) {
                case "io.debezium.time.Timestamp" -> ((Number) v).longValue() * 1000;
                case "io.debezium.time.NanoTimestamp" -> ((Number) v).longValue() / 1000;
                default -> ((Number) v).longValue();
            };
            case TIMESTAMPTZ -> ZonedTimestamps.epochMicros(v.toString());
            case BYTES -> v instanceof byte[] b ? ByteBuffer.wrap(b) : v;
            default -> v;
        };
    }
}
