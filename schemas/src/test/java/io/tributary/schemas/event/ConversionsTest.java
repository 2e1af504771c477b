package io.tributary.schemas.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The value rules the transform and reconciliation share. Date-time text: the fast path reads the common shapes exactly as
 * the formatters do, and leaves every other text to them.
 */
class ConversionsTest {
    @Test
    void naiveDateTimeTextMeansUtcMicroseconds() {
        assertEquals(1_709_296_496_789_000L, Conversions.micros("2024-03-01 12:34:56.789"));
        assertEquals(1_709_296_496_789_000L, Conversions.micros("2024-03-01T12:34:56.789Z"));
        assertEquals(1_709_292_896_789_000L, Conversions.micros("2024-03-01 12:34:56.789+01:00"));
        assertEquals(1_709_251_200_000_000L, Conversions.micros("2024-03-01"));
        assertThrows(IllegalArgumentException.class, () -> Conversions.micros("2024-03-01 12:34:56.7891234"), "no silent rounding");
    }

    @Test
    void datesFarFromNineteenSeventyDoNotOverflow() {
        // 9999-12-31 is a common "no end" value; nanoseconds since 1970 overflow a long after ~292 years
        assertEquals(Instant.parse("9999-12-31T23:59:59Z").getEpochSecond() * 1_000_000L, Conversions.micros("9999-12-31 23:59:59"));
        assertEquals(Instant.parse("1600-01-01T00:00:00Z").getEpochSecond() * 1_000_000L, Conversions.micros("1600-01-01 00:00:00"));
    }

    @Test
    void booleansAreZeroOrOne() {
        assertEquals(true, Conversions.convert(1L, ColumnType.BOOLEAN));
        assertEquals(false, Conversions.convert(0L, ColumnType.BOOLEAN));
        assertThrows(IllegalArgumentException.class, () -> Conversions.convert(7L, ColumnType.BOOLEAN));
        assertEquals(19_783, Conversions.convert("2024-03-01", ColumnType.DATE));
        assertEquals("{\"a\": 1}", Conversions.convert("{\"a\": 1}", ColumnType.JSON));
    }

    private static final List<String> YEARS = List.of("0000", "0001", "0999", "1969", "1970", "2000", "2024", "2100", "9999");
    private static final List<String> MONTHS = List.of("00", "01", "02", "04", "12", "13");
    private static final List<String> DAYS = List.of("00", "01", "28", "29", "30", "31", "32");
    private static final List<String> SEPARATORS = List.of(" ", "T", "", " T");
    private static final List<String> TIMES = List.of("", "00:00", "23:59", "24:00", "12:34:56", "12:34:60", "7:00", "12:34:5", "12:34:56.1",
            "12:34:56.123456", "12:34:56.1234567", "12:34:56.123456789", "12:34:56.", "12:34:56.000000000", "12:60");
    private static final List<String> OFFSETS = List.of("", "Z", "+00:00", "-00:00", "-05:30", "+18:00", "+18:01", "+19:00", "+0530", "+5:30", "z");

    @Test
    void theFastPathAgreesWithTheFormattersOnEveryShapeItTakes() {
        int fast = 0;
        for (String y : YEARS) {
            for (String mo : MONTHS) {
                for (String d : DAYS) {
                    for (String sep : SEPARATORS) {
                        for (String t : TIMES) {
                            for (String o : OFFSETS) {
                                String text = y + "-" + mo + "-" + d + (t.isEmpty() ? "" : sep + t) + o;
                                long f = Conversions.fastMicros(text);
                                if (f != Conversions.NOT_FAST) {
                                    assertEquals(Conversions.formatterMicros(text), f, text);
                                    fast++;
                                }
                            }
                        }
                    }
                }
            }
        }
        assertNotEquals(0, fast);
    }

    @Test
    void theCommonShapesTakeTheFastPath() {
        for (String text : List.of("2025-01-02 03:04:05.678", "2025-01-02T03:04:05Z", "2025-01-02", "1969-12-31 23:59:59.999999",
                "2024-02-29T12:00+05:30")) {
            assertEquals(Conversions.formatterMicros(text), Conversions.fastMicros(text), text);
        }
        assertEquals(-1, Conversions.micros("1969-12-31 23:59:59.999999"));
        assertEquals(1_735_787_045_678_000L, Conversions.micros(" 2025-01-02 03:04:05.678 "));
    }

    @Test
    void whatTheFormattersRefuseIsStillRefused() {
        for (String text : List.of("2025-02-30 00:00:00.1234567", "2025-13-01", "not a date", "2025-01-02 03:04:05.1234567")) {
            assertThrows(RuntimeException.class, () -> Conversions.micros(text), text);
        }
    }
}
