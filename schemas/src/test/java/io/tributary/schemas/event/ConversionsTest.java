package io.tributary.schemas.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The value rules the transform and reconciliation share. */
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
}
