package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.debezium.data.Json;
import io.debezium.data.Uuid;
import io.debezium.relational.mapping.PropagateSourceMetadataToSchemaParameter;
import io.debezium.time.Date;
import io.debezium.time.MicroTime;
import io.debezium.time.MicroTimestamp;
import io.debezium.time.NanoTime;
import io.debezium.time.NanoTimestamp;
import io.debezium.time.Time;
import io.debezium.time.Timestamp;
import io.debezium.time.ZonedTimestamp;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Connect schemas and values here are built the way Debezium's PostgreSQL connector builds them with the
 * settings {@link PostgresCapture} uses (decimal.handling.mode=string, time.precision.mode=
 * adaptive_time_microseconds, binary.handling.mode=bytes, column.propagate.source.type=.*): Debezium's own
 * logical-type builders, and its own column mapper to add the source type, from the type name, length and
 * scale PostgreSQL reports.
 */
class ConnectRecordsTest {
    private static final TableRef TABLE = new TableRef("monolith", "public", "trades");

    static Stream<Arguments> everyHandledType() {
        byte[] bytes = {0, 1, (byte) 0xfe, (byte) 0xff};
        return Stream.of(
                arguments("int2", SchemaBuilder.int16(), 5, ColumnType.INT16, "INT2", (short) 7, 7),
                arguments("int4", SchemaBuilder.int32(), 10, ColumnType.INT32, "INT4", 42, 42),
                arguments("int8", SchemaBuilder.int64(), 19, ColumnType.INT64, "INT8", 9_000_000_000L, 9_000_000_000L),
                arguments("float4", SchemaBuilder.float32(), 8, ColumnType.FLOAT32, "FLOAT4", 1.5f, 1.5f),
                arguments("float8", SchemaBuilder.float64(), 17, ColumnType.FLOAT64, "FLOAT8", 0.1, 0.1),
                arguments("numeric", SchemaBuilder.string(), 18, ColumnType.DECIMAL, "NUMERIC(18,8)", "12345.67890000", "12345.67890000"),
                arguments("money", SchemaBuilder.string(), 19, ColumnType.DECIMAL, "MONEY", "12.34", "12.34"),
                arguments("text", SchemaBuilder.string(), Integer.MAX_VALUE, ColumnType.TEXT, "TEXT", "héllo", "héllo"),
                arguments("varchar", SchemaBuilder.string(), 12, ColumnType.TEXT, "VARCHAR(12)", "AAPL", "AAPL"),
                arguments("bytea", SchemaBuilder.bytes(), Integer.MAX_VALUE, ColumnType.BYTES, "BYTEA", ByteBuffer.wrap(bytes), ByteBuffer.wrap(bytes)),
                arguments("bytea", SchemaBuilder.bytes(), Integer.MAX_VALUE, ColumnType.BYTES, "BYTEA", bytes, ByteBuffer.wrap(bytes)),
                arguments("bool", SchemaBuilder.bool(), 1, ColumnType.BOOLEAN, "BOOL", true, true),
                // days since 1970-01-01: 2024-03-01
                arguments("date", Date.builder(), 13, ColumnType.DATE, "DATE", 19783, 19783),
                // 10:20:30.123456 in microseconds
                arguments("time", MicroTime.builder(), 15, ColumnType.TIME, "TIME", 37_230_123_456L, 37_230_123_456L),
                arguments("timestamp", MicroTimestamp.builder(), 29, ColumnType.TIMESTAMP, "TIMESTAMP", 1_709_280_930_123_456L, 1_709_280_930_123_456L),
                // timestamp(3) and below: Debezium sends milliseconds
                arguments("timestamp", Timestamp.builder(), 26, ColumnType.TIMESTAMP, "TIMESTAMP", 1_709_280_930_123L, 1_709_280_930_123_000L),
                arguments("timestamptz", ZonedTimestamp.builder(), 35, ColumnType.TIMESTAMPTZ, "TIMESTAMPTZ", "2024-03-01T08:15:30.123456Z", 1_709_280_930_123_456L),
                arguments("timestamptz", ZonedTimestamp.builder(), 35, ColumnType.TIMESTAMPTZ, "TIMESTAMPTZ", "2024-03-01T10:15:30.123456+02:00", 1_709_280_930_123_456L),
                arguments("json", Json.builder(), Integer.MAX_VALUE, ColumnType.JSON, "JSON", "{\"a\": [1, 2]}", "{\"a\": [1, 2]}"),
                arguments("jsonb", Json.builder(), Integer.MAX_VALUE, ColumnType.JSON, "JSONB", "{\"a\": [1, 2]}", "{\"a\": [1, 2]}"),
                arguments("uuid", Uuid.builder(), Integer.MAX_VALUE, ColumnType.UUID, "UUID",
                        "3f1c2a9e-6d1b-4c5e-9a7f-0b8e2d4c6a10", "3f1c2a9e-6d1b-4c5e-9a7f-0b8e2d4c6a10"),
                // the other time units Debezium has (other time.precision.mode settings): still microseconds in the contract
                arguments("time", Time.builder(), 12, ColumnType.TIME, "TIME", 37_230_123, 37_230_123_000L),
                arguments("time", NanoTime.builder(), 15, ColumnType.TIME, "TIME", 37_230_123_456_000L, 37_230_123_456L),
                arguments("timestamp", NanoTimestamp.builder(), 29, ColumnType.TIMESTAMP, "TIMESTAMP",
                        1_709_280_930_123_456_000L, 1_709_280_930_123_456L));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("everyHandledType")
    void mapsEachHandledTypeAndItsValue(String pgType, SchemaBuilder connect, int length, ColumnType type, String sourceType,
                                        Object connectValue, Object contractValue) {
        Integer scale = pgType.equals("numeric") ? 8 : null;
        Schema row = row(field("v", connect, pgType, length, scale));
        TableSchema shape = ConnectRecords.tableSchema(TABLE, row, key());

        Column v = shape.column("v").orElseThrow();
        assertEquals(type, v.type());
        assertEquals(sourceType, v.sourceType());
        assertTrue(v.optional());
        Map<String, Object> values = ConnectRecords.row(new Struct(row).put("id", 1).put("v", connectValue), shape);
        assertEquals(contractValue, values.get("v"), "the value of a " + pgType + " column");
        assertEquals(contractValue.getClass(), values.get("v").getClass(), "travels as its Avro type");
    }

    @Test
    void timestamptzFarFrom1970KeepsItsMicroseconds() {
        // '9999-12-31' is a common "valid until further notice" value; both lie more than 292 years from
        // 1970, where counting the difference in nanoseconds first overflows a long
        Schema row = row(field("v", ZonedTimestamp.builder(), "timestamptz", 35, 6));
        TableSchema shape = ConnectRecords.tableSchema(TABLE, row, key());
        assertEquals(253_402_300_799_999_999L,
                ConnectRecords.row(new Struct(row).put("id", 1).put("v", "9999-12-31T23:59:59.999999Z"), shape).get("v"));
        assertEquals(-11_676_096_000_000_000L,
                ConnectRecords.row(new Struct(row).put("id", 1).put("v", "1600-01-01T00:00:00Z"), shape).get("v"));
        assertEquals(-500_000L, ConnectRecords.row(new Struct(row).put("id", 1).put("v", "1969-12-31T23:59:59.5Z"), shape).get("v"));
    }

    static Stream<Arguments> declaredSizes() {
        return Stream.of(
                arguments("numeric", 18, 8, "NUMERIC(18,8)"),
                arguments("numeric", 10, 0, "NUMERIC(10,0)"),
                arguments("numeric", 0, 0, "NUMERIC"),             // unbounded, from a snapshot (JDBC metadata)
                arguments("numeric", 131_089, 0, "NUMERIC"),       // unbounded, from the stream (typmod -1)
                arguments("varchar", 64, null, "VARCHAR(64)"),
                arguments("varchar", 0, null, "VARCHAR"),
                arguments("varchar", Integer.MAX_VALUE, null, "VARCHAR"),
                arguments("bpchar", 3, null, "BPCHAR(3)"),
                arguments("text", Integer.MAX_VALUE, null, "TEXT"),
                arguments("timestamptz", 35, 6, "TIMESTAMPTZ"));
    }

    @ParameterizedTest(name = "{0} length {1} scale {2} -> {3}")
    @MethodSource("declaredSizes")
    void sourceTypeKeepsOnlyADeclaredSize(String pgType, int length, Integer scale, String expected) {
        SchemaBuilder b = pgType.startsWith("timestamp") ? ZonedTimestamp.builder() : SchemaBuilder.string();
        assertEquals(expected, ConnectRecords.sourceType(field("v", b, pgType, length, scale)));
    }

    @Test
    void aSchemaWithoutSourceTypeHasNoSourceType() {
        assertNull(ConnectRecords.sourceType(Schema.OPTIONAL_STRING_SCHEMA));
    }

    @Test
    void tableSchemaKeepsColumnOrderPrimaryKeyAndNullability() {
        Schema row = SchemaBuilder.struct().name("monolith.public.trades.Value")
                .field("id", required(SchemaBuilder.int32(), "int4", 10))
                .field("symbol", required(SchemaBuilder.string(), "varchar", 12))
                .field("note", field("note", SchemaBuilder.string(), "text", Integer.MAX_VALUE, null))
                .build();
        Schema key = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("symbol", Schema.STRING_SCHEMA).build();
        TableSchema shape = ConnectRecords.tableSchema(TABLE, row, key);
        assertEquals(TABLE, shape.table());
        assertEquals(List.of("id", "symbol", "note"), shape.columns().stream().map(Column::name).toList());
        assertEquals(List.of("id", "symbol"), shape.primaryKey());
        assertFalse(shape.column("symbol").orElseThrow().optional());
        assertTrue(shape.column("note").orElseThrow().optional());
    }

    @Test
    void aTypeItDoesNotCarryNamesTheColumnAndTheType() {
        Schema row = row(field("days", SchemaBuilder.array(org.apache.kafka.connect.data.Date.builder().optional().build()), "_date", 10, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ConnectRecords.tableSchema(TABLE, row, key()));
        assertTrue(e.getMessage().contains("monolith.public.trades.days"), e.getMessage());
        assertTrue(e.getMessage().contains("_DATE"), e.getMessage());
        assertTrue(e.getMessage().contains("exclude the table, or change the column"), e.getMessage());
        Schema varbit = row(field("flags", SchemaBuilder.bytes().name(PgText.BITS).parameter("length", "8"), "varbit", 8, 0));
        IllegalStateException v = assertThrows(IllegalStateException.class, () -> ConnectRecords.tableSchema(TABLE, varbit, key()));
        assertTrue(v.getMessage().contains("varying length"), v.getMessage());
    }

    @Test
    void hstoreAndBitStringsAsPostgresText() {
        java.util.Map<String, String> hstore = new java.util.LinkedHashMap<>();
        hstore.put("k", "v");
        hstore.put("n", null);
        assertEquals("\"k\"=>\"v\", \"n\"=>NULL", PgText.hstore(hstore));
        assertEquals("0010", PgText.bits(new byte[] {2}, 4), "leading zeros kept to the declared length");
        assertEquals("100000000", PgText.bits(new byte[] {0, 1}, 9), "little-endian bytes");
        assertEquals("11111111", PgText.bits(new byte[] {(byte) 0xff}, 8), "never read as negative");
    }

    @Test
    void unchangedToastPlaceholdersBecomeNullAndAreNamed() {
        Schema row = row(
                field("note", SchemaBuilder.string(), "text", Integer.MAX_VALUE, null),
                field("payload", SchemaBuilder.bytes(), "bytea", Integer.MAX_VALUE, null),
                field("doc", Json.builder(), "jsonb", Integer.MAX_VALUE, null),
                field("symbol", SchemaBuilder.string(), "varchar", 12, null));
        TableSchema shape = ConnectRecords.tableSchema(TABLE, row, key());
        byte[] placeholder = ConnectRecords.UNAVAILABLE.getBytes(StandardCharsets.UTF_8);
        Map<String, Object> after = ConnectRecords.row(new Struct(row).put("id", 1).put("note", ConnectRecords.UNAVAILABLE)
                .put("payload", ByteBuffer.wrap(placeholder)).put("doc", ConnectRecords.UNAVAILABLE).put("symbol", "AAPL"), shape);

        List<String> unchanged = ConnectRecords.unchangedToast(after);

        assertEquals(List.of("doc", "note", "payload"), unchanged.stream().sorted().toList());
        Map<String, Object> expected = new HashMap<>();
        expected.put("id", 1);
        expected.put("note", null);
        expected.put("payload", null);
        expected.put("doc", null);
        expected.put("symbol", "AAPL");
        assertEquals(expected, after, "placeholders are removed, the other values kept");
    }

    @Test
    void aRowWithoutPlaceholdersOrNoRowHasNoUnchangedColumns() {
        Schema row = row(field("note", SchemaBuilder.string(), "text", Integer.MAX_VALUE, null));
        TableSchema shape = ConnectRecords.tableSchema(TABLE, row, key());
        Map<String, Object> after = ConnectRecords.row(new Struct(row).put("id", 1).put("note", "changed"), shape);
        assertEquals(List.of(), ConnectRecords.unchangedToast(after));
        assertEquals("changed", after.get("note"));
        assertEquals(List.of(), ConnectRecords.unchangedToast(null));
        assertNull(ConnectRecords.row(null, shape), "no before image: no row");
    }

    @Test
    void nullValuesStayNull() {
        Schema row = row(field("v", ZonedTimestamp.builder(), "timestamptz", 35, 6));
        TableSchema shape = ConnectRecords.tableSchema(TABLE, row, key());
        Map<String, Object> values = ConnectRecords.row(new Struct(row).put("id", 1), shape);
        assertTrue(values.containsKey("v"));
        assertNull(values.get("v"));
    }

    // ---- Debezium-shaped schemas ----

    /** An optional field schema as Debezium builds it: its converter's builder plus the propagated source type. */
    static Schema field(String name, SchemaBuilder connect, String pgType, int length, Integer scale) {
        return withSourceType(name, connect, pgType, length, scale).optional().build();
    }

    private static Schema required(SchemaBuilder connect, String pgType, int length) {
        return withSourceType("x", connect, pgType, length, null).build();
    }

    private static SchemaBuilder withSourceType(String name, SchemaBuilder connect, String pgType, int length, Integer scale) {
        io.debezium.relational.Column column = io.debezium.relational.Column.editor()
                .name(name).type(pgType).length(length).scale(scale).create();
        new PropagateSourceMetadataToSchemaParameter().alterFieldSchema(column, connect);
        return connect;
    }

    /** The table's value schema: the key column {@code id int4} followed by {@code columns} (named by their source parameter). */
    static Schema row(Schema... columns) {
        SchemaBuilder b = SchemaBuilder.struct().name("monolith.public.trades.Value").field("id", required(SchemaBuilder.int32(), "int4", 10));
        for (Schema c : columns) {
            b.field(c.parameters().get("__debezium.source.column.name"), c);
        }
        return b.build();
    }

    static Schema key() {
        return SchemaBuilder.struct().name("monolith.public.trades.Key").field("id", Schema.INT32_SCHEMA).build();
    }
}
