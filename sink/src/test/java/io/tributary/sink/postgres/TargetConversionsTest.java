package io.tributary.sink.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Conversions;
import org.junit.jupiter.api.Test;

/** Each declared conversion into an existing target column: what it accepts, what it refuses, and why. */
class TargetConversionsTest {
    private static final PipelineConfig.Convert NONE = PipelineConfig.Convert.NONE;

    private static TargetConversions.Decision decide(Column col, String have, PipelineConfig.Convert declared) {
        return TargetConversions.decide("runs", col, have, declared);
    }

    private static Object write(Column col, String have, PipelineConfig.Convert declared, Object value) throws ValueDoesNotFit {
        TargetConversions.Decision d = decide(col, have, declared);
        assertNull(d.refusal(), d.refusal());
        return d.binding().element(value);
    }

    @Test
    void theSourcesOwnTypeAndLosslessWideningsAreWrittenAsTheyAre() {
        assertEquals(TargetConversions.Decision.AS_IS, decide(new Column("id", ColumnType.INT32, "INT4", false), "bigint", NONE));
        assertEquals(TargetConversions.Decision.AS_IS, decide(new Column("n", ColumnType.TEXT, "VARCHAR(10)", true), "character varying(20)", NONE));
        assertEquals(TargetConversions.Decision.AS_IS, decide(new Column("n", ColumnType.TEXT, "TEXT", true), "character varying", NONE));
        assertEquals(TargetConversions.Decision.AS_IS, decide(new Column("q", ColumnType.DECIMAL, "NUMERIC(12,4)", true), "numeric(18,4)", NONE));
    }

    @Test
    void aSqliteIntegerIntoIntegerIsCheckedForRange() throws Exception {
        Column id = new Column("id", ColumnType.INT64, "INTEGER", false);
        assertEquals(2_147_483_647, write(id, "integer", NONE, 2_147_483_647L));
        assertEquals((short) -5, write(id, "smallint", NONE, -5L));
        ValueDoesNotFit e = assertThrows(ValueDoesNotFit.class, () -> write(id, "integer", NONE, 2_147_483_648L));
        assertEquals("22003", e.getSQLState());
        assertTrue(e.getMessage().startsWith("column id of target table runs (integer): a value out of range"), e.getMessage());
    }

    @Test
    void textIntoVarcharAndJsonIsCheckedValueByValue() throws Exception {
        Column name = new Column("name", ColumnType.TEXT, "TEXT", true);
        assertEquals("ééé", write(name, "character varying(3)", NONE, "ééé"));
        assertEquals("22001", assertThrows(ValueDoesNotFit.class, () -> write(name, "character varying(3)", NONE, "abcd")).getSQLState());
        assertEquals("{\"lr\": 0.1}", write(name, "jsonb", NONE, "{\"lr\": 0.1}"));
        ValueDoesNotFit e = assertThrows(ValueDoesNotFit.class, () -> write(name, "jsonb", NONE, "{\"lr\": 0.1} trailing"));
        assertTrue(e.getMessage().contains("not a JSON document"), e.getMessage());
    }

    @Test
    void aDoubleIntoNumericIsItsShortestDecimalOrRoundedAsDeclared() throws Exception {
        Column price = new Column("price", ColumnType.FLOAT64, "REAL", true);
        assertEquals("0.1", write(price, "numeric(20,6)", NONE, 0.1));
        assertEquals("12345678901234", write(price, "numeric(20,6)", NONE, 1.2345678901234E13));
        ValueDoesNotFit tooPrecise = assertThrows(ValueDoesNotFit.class, () -> write(price, "numeric(20,6)", NONE, 0.1234567));
        assertTrue(tooPrecise.getMessage().contains("declare options.runs.convert.price.round: half-even"), tooPrecise.getMessage());
        assertEquals("0.123457", write(price, "numeric(20,6)", new PipelineConfig.Convert(null, "half-even", null), 0.1234567));
        assertThrows(ValueDoesNotFit.class, () -> write(price, "numeric(20,6)", NONE, 1e15));
        assertThrows(ValueDoesNotFit.class, () -> write(price, "numeric(20,6)", NONE, Double.NaN));
    }

    @Test
    void naiveSqliteDateTimesStayNaiveOrMeanTheDeclaredZone() throws Exception {
        Column at = new Column("time", ColumnType.TIMESTAMPTZ, "DATETIME", true);
        long micros = Conversions.micros("2024-03-10 12:30:00.5");
        assertEquals("2024-03-10T12:30:00.500", write(at, "timestamp without time zone", NONE, micros));
        assertEquals(TargetConversions.Decision.AS_IS, decide(at, "timestamp with time zone", NONE));
        assertEquals("2024-03-10T11:30:00.500Z", write(at, "timestamp with time zone", new PipelineConfig.Convert("Europe/Berlin", null, null), micros));
    }

    @Test
    void anInstantIntoANaiveColumnNeedsTheZoneItIsWrittenIn() throws Exception {
        Column at = new Column("updated_at", ColumnType.TIMESTAMPTZ, "TIMESTAMPTZ", true);
        String refusal = decide(at, "timestamp without time zone", NONE).refusal();
        assertTrue(refusal.startsWith("column updated_at is timestamp without time zone in the target but timestamp with time zone in the source")
                && refusal.contains("declare options.runs.convert.updated_at.time-zone"), refusal);
        assertEquals("2024-03-10T13:30", write(at, "timestamp without time zone", new PipelineConfig.Convert("Europe/Berlin", null, null),
                Conversions.micros("2024-03-10 12:30:00")));
    }

    @Test
    void textDatesTimesBooleansAndEpochNumbersConvertOrRefuse() throws Exception {
        Column text = new Column("d", ColumnType.TEXT, "TEXT", true);
        assertEquals("2024-02-29", write(text, "date", NONE, "2024-02-29"));
        assertEquals("22007", assertThrows(ValueDoesNotFit.class, () -> write(text, "date", NONE, "2023-02-29")).getSQLState());
        assertEquals("13:45", write(text, "time without time zone", NONE, "13:45"));
        assertEquals("2024-01-02T03:04:05Z", write(text, "timestamp with time zone", NONE, "2024-01-02 03:04:05"));
        Column flag = new Column("active", ColumnType.INT64, "INTEGER", true);
        assertEquals(true, write(flag, "boolean", NONE, 1L));
        assertThrows(ValueDoesNotFit.class, () -> write(flag, "boolean", NONE, 2L));
        Column epoch = new Column("created", ColumnType.INT64, "INTEGER", true);
        assertTrue(decide(epoch, "timestamp with time zone", NONE).refusal().contains("declare options.runs.convert.created.epoch"));
        assertEquals("2023-11-14T22:13:20Z", write(epoch, "timestamp with time zone", new PipelineConfig.Convert(null, null, "seconds"), 1_700_000_000L));
    }

    @Test
    void whatNoConversionCoversIsRefusedWithBothTypes() {
        String refusal = decide(new Column("qty", ColumnType.DECIMAL, "NUMERIC(12,4)", true), "real", NONE).refusal();
        assertEquals("column qty is real in the target but numeric(12,4) in the source (declared NUMERIC(12,4)): no conversion between them; "
                + "change the target column to numeric(12,4) or a type that holds every value of it", refusal);
    }
}
