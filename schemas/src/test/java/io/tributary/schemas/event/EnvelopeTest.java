package io.tributary.schemas.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    static final TableSchema TRADES = new TableSchema(new TableRef("monolith", "public", "trades"), List.of(
            new Column("id", ColumnType.INT64, "int8", false),
            new Column("symbol", ColumnType.TEXT, "varchar(16)", false),
            new Column("price", ColumnType.DECIMAL, "numeric(18,8)", true),
            new Column("qty", ColumnType.FLOAT64, "float8", true),
            new Column("filled_at", ColumnType.TIMESTAMPTZ, "timestamptz", true)), List.of("id"));

    @Test
    void envelopeRoundTripsThroughAvroBinaryWithTypesAndPosition() throws Exception {
        Map<String, Object> after = new LinkedHashMap<>();
        after.put("id", 42L);
        after.put("symbol", "BTC-USD");
        after.put("price", "65000.12345678");
        after.put("qty", 0.1 + 0.2);
        after.put("filled_at", 1_700_000_000_123_456L);
        ChangeEvent e = new ChangeEvent(TRADES, Op.CREATE, null, after, Position.of(0, 100, 200, 1), 1_700_000_000_000L,
                "false", "postgresql", "ai_trader", 7L, 200L);
        GenericRecord value = Envelope.value(e);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(value.getSchema()).write(value, enc);
        enc.flush();
        Schema parsed = new Schema.Parser().parse(value.getSchema().toString());
        GenericRecord back = new GenericDatumReader<GenericRecord>(parsed).read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        GenericRecord key = new GenericDatumReader<GenericRecord>(Envelope.keySchema(TRADES)).read(null,
                DecoderFactory.get().binaryDecoder(avroBytes(Envelope.key(e)), null));
        ChangeEvent read = Envelope.read(key, back);
        assertEquals(Op.CREATE, read.op());
        assertEquals(Position.of(0, 100, 200, 1), read.position());
        assertNull(read.before());
        assertEquals(after, read.after());
        assertEquals(TRADES, read.schema());
        assertEquals(e.tsMs(), read.tsMs(), "ts_ms keeps the capture's time");
        assertEquals(e, read);
        assertEquals(List.of(42L), read.keyValues());
        assertThrows(IllegalArgumentException.class, () -> Envelope.read(key, null), "a tombstone is no event");
    }

    /**
     * Column names Avro refuses (a space, '-', '$', a leading digit, non-ASCII, two that clean to the same
     * name) get valid field names and keep the source name in the schema; reading back through a parsed
     * schema, from the encoder's bytes as from Avro's, gives the columns as the source named them.
     */
    @Test
    void columnNamesAvroRefusesKeepTheirSourceNames() throws Exception {
        TableSchema odd = new TableSchema(new TableRef("app", "main", "odd"), List.of(
                new Column("e-mail", ColumnType.TEXT, "TEXT", false),
                new Column("first name", ColumnType.TEXT, "TEXT", true),
                new Column("first_name", ColumnType.TEXT, "TEXT", true),
                new Column("$price", ColumnType.FLOAT64, "REAL", true),
                new Column("2fa", ColumnType.INT64, "BOOLEAN", true),
                new Column("größe", ColumnType.INT64, "INTEGER", true)), List.of("e-mail"));
        Map<String, Object> after = new LinkedHashMap<>();
        after.put("e-mail", "a@b.c");
        after.put("first name", "Ann");
        after.put("first_name", "other");
        after.put("$price", 2.5);
        after.put("2fa", 1L);
        after.put("größe", 180L);
        ChangeEvent e = new ChangeEvent(odd, Op.CREATE, null, after, Position.of(1, 0, 3, 1), 5L, "false", "sqlite", "app.db", null, null);
        Schema valueSchema = new Schema.Parser().parse(Envelope.valueSchema(odd).toString());
        Schema keySchema = new Schema.Parser().parse(Envelope.keySchema(odd).toString());
        assertEquals(List.of("e_mail", "first_name", "first_name_2", "_price", "_2fa", "gr__e"),
                Envelope.rowSchema(valueSchema).getFields().stream().map(Schema.Field::name).toList());
        assertEquals("first name", Envelope.rowSchema(valueSchema).getField("first_name").getProp(Envelope.COLUMN_PROP));

        EnvelopeEncoder encoder = new EnvelopeEncoder();
        for (byte[][] bytes : List.of(new byte[][] {avroBytes(Envelope.key(e)), avroBytes(Envelope.value(e))},
                new byte[][] {strip(encoder.key(e, 7)), strip(encoder.value(e, 7))})) {
            GenericRecord key = new GenericDatumReader<GenericRecord>(keySchema).read(null, DecoderFactory.get().binaryDecoder(bytes[0], null));
            GenericRecord value = new GenericDatumReader<GenericRecord>(valueSchema).read(null, DecoderFactory.get().binaryDecoder(bytes[1], null));
            ChangeEvent read = Envelope.read(key, value);
            assertEquals(odd, read.schema());
            assertEquals(after, read.after());
            assertEquals(List.of("a@b.c"), read.keyValues());
        }
    }

    /** The Avro body of a Confluent wire-format record (magic byte and schema id dropped). */
    private static byte[] strip(byte[] wire) {
        return java.util.Arrays.copyOfRange(wire, 5, wire.length);
    }

    private static byte[] avroBytes(GenericRecord r) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }

    @Test
    void positionsCompareLexicographically() {
        assertTrue(Position.of(0, 1, 0, 0).compareTo(Position.of(0, 0, 99, 99)) > 0);
        assertTrue(Position.of(0, 0, 0, 5).compareTo(Position.of(0, 0, 1, 0)) < 0);
        assertEquals(0, Position.of(1, 2, 3, 4).compareTo(Position.fromList(List.of(1L, 2L, 3L, 4L))));
        assertThrows(IllegalArgumentException.class, () -> new Position(new long[] {1, 2}));
    }

    @Test
    void primaryKeyMustBeAColumn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TableSchema(
                new TableRef("s", "main", "t"), List.of(new Column("a", ColumnType.INT64, null, false)), List.of("b")));
        assertTrue(e.getMessage().contains("'b'"));
    }

    @Test
    void avroNamesAreSanitised() {
        assertEquals("trading_engine", Envelope.avroName("trading-engine"));
        assertEquals("_1x", Envelope.avroName("1x"));
    }

    @Test
    void columnDefaultsTravelInTheSchemaExactly() {
        TableSchema t = new TableSchema(new TableRef("s", "main", "alerts"), List.of(
                new Column("id", ColumnType.INT64, "INTEGER", false),
                new Column("status", ColumnType.TEXT, "TEXT", false, "it's \u00e9 open"),
                new Column("level", ColumnType.INT64, "INTEGER", true, Long.MIN_VALUE),
                new Column("ratio", ColumnType.FLOAT64, "REAL", true, 0.1 + 0.2),
                new Column("tiny", ColumnType.FLOAT64, "REAL", true, Double.MIN_VALUE),
                new Column("flag", ColumnType.BOOLEAN, "BOOLEAN", false, true),
                new Column("day", ColumnType.DATE, "DATE", true, -3),
                new Column("payload", ColumnType.BYTES, "BLOB", true, java.nio.ByteBuffer.wrap(new byte[] {0, -1, 7}))), List.of("id"));
        Schema value = new Schema.Parser().parse(Envelope.valueSchema(t).toString());
        Schema key = new Schema.Parser().parse(Envelope.keySchema(t).toString());
        TableSchema back = Envelope.tableSchema(value, key);
        assertEquals(t, back);
        assertEquals(Double.doubleToRawLongBits(0.1 + 0.2), Double.doubleToRawLongBits((Double) back.column("ratio").orElseThrow().defaultValue()));
        assertNull(back.column("id").orElseThrow().defaultValue());
    }

    @Test
    void theTableDefinitionTravelsInTheSchemaAndATableWithoutOneKeepsItsSchema() {
        List<Column> cols = List.of(new Column("id", ColumnType.INT64, "INTEGER", false), new Column("e-mail", ColumnType.TEXT, "TEXT", false),
                new Column("made", ColumnType.TIMESTAMPTZ, "DATETIME", true), new Column("owner", ColumnType.INT64, "INTEGER", true));
        TableRef ref = new TableRef("s", "main", "users");
        TableDefinition d = new TableDefinition(List.of("id"), Map.of("made", "now()"),
                List.of(new TableDefinition.Index("users_email", List.of("e-mail"), true), new TableDefinition.Index("users_made", List.of("made", "id"), false)),
                List.of(new TableDefinition.ForeignKey("users_owner_fk", List.of("owner"), "owners", List.of("id"), "CASCADE", "NO ACTION")),
                List.of(new TableDefinition.Check("users_check_1", "(length(\"e-mail\") > 3)")));
        TableSchema t = new TableSchema(ref, cols, List.of("id"), d);
        Schema value = new Schema.Parser().parse(Envelope.valueSchema(t).toString());
        Schema key = new Schema.Parser().parse(Envelope.keySchema(t).toString());
        assertEquals(t, Envelope.tableSchema(value, key));
        TableSchema plain = new TableSchema(ref, cols, List.of("id"));
        assertEquals(TableDefinition.NONE, Envelope.tableSchema(new Schema.Parser().parse(Envelope.valueSchema(plain).toString()), key).definition());
        assertFalse(Envelope.valueSchema(plain).toString().contains("tributary.indexes"), "no property for what a table does not have");
    }
}
