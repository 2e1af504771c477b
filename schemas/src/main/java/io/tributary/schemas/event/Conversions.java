package io.tributary.schemas.event;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * How a value stored in one contract type becomes the type it means ({@link Column#normalizedType()}): the
 * one home of these rules, used by the transform (to normalise) and by reconciliation (to compare a source
 * row with its target row).
 * <ul>
 *   <li>INT64 0/1 -> BOOLEAN (any other number is refused);</li>
 *   <li>TEXT naive date-time, meaning UTC ("2024-01-02 03:04:05.678", ISO with 'T', or with an explicit
 *       offset) -> TIMESTAMPTZ microseconds (sub-microsecond digits are refused, not rounded);</li>
 *   <li>TEXT date -> DATE days since the epoch;</li>
 *   <li>TEXT -> JSON: the same text, byte for byte.</li>
 * </ul>
 * A value that cannot be converted exactly throws {@link IllegalArgumentException} saying why.
 */
public final class Conversions {
    private static final DateTimeFormatter NAIVE = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd")
            .optionalStart().appendLiteral(' ').optionalEnd()
            .optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendPattern("HH:mm")
            .optionalStart().appendPattern(":ss").optionalEnd()
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .optionalEnd()
            .parseDefaulting(ChronoField.HOUR_OF_DAY, 0)
            .parseDefaulting(ChronoField.MINUTE_OF_HOUR, 0)
            .toFormatter(Locale.ROOT);
    private static final DateTimeFormatter WITH_OFFSET = new DateTimeFormatterBuilder()
            .append(NAIVE).appendOffset("+HH:MM", "Z").toFormatter(Locale.ROOT);

    private Conversions() {
    }

    /** {@code v} (of the column's travelling type) as a value of {@code to}; null stays null. */
    public static Object convert(Object v, ColumnType to) {
        if (v == null) {
            return null;
        }
        try {
            return switch (to) {
                case BOOLEAN -> v instanceof Long l ? bool(l) : v;
                case TIMESTAMPTZ -> v instanceof String s ? micros(s) : v;
                case DATE -> v instanceof String s ? (int) LocalDate.parse(s.trim()).toEpochDay() : v;
                default -> v;
            };
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static boolean bool(long l) {
        if (l == 0 || l == 1) {
            return l == 1;
        }
        throw new IllegalArgumentException("a BOOLEAN must be 0 or 1");
    }

    /** Microseconds since the epoch of date-time text; naive text means UTC. */
    public static long micros(String s) {
        String text = s.trim();
        Instant instant;
        if (text.endsWith("Z") || text.matches(".*[+-]\\d\\d:?\\d\\d$")) {
            instant = OffsetDateTime.parse(text.replace(' ', 'T'), WITH_OFFSET).toInstant();
        } else {
            instant = LocalDateTime.parse(text, NAIVE).toInstant(ZoneOffset.UTC);
        }
        if (instant.getNano() % 1000 != 0) {
            throw new IllegalArgumentException("more than microsecond precision");
        }
        // seconds first: counting nanoseconds since 1970 overflows a long ~292 years away (9999-12-31 is common)
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
    }
}
