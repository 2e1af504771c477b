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
        long fast = fastMicros(text);
        return fast != NOT_FAST ? fast : formatterMicros(text);
    }

    private static final java.util.regex.Pattern ENDS_WITH_OFFSET = java.util.regex.Pattern.compile(".*[+-]\\d\\d:?\\d\\d$");
    /** {@link #fastMicros} could not decide: {@link #formatterMicros} does, with its own rules and errors. */
    static final long NOT_FAST = Long.MIN_VALUE;

    /** The formatters' reading: every accepted shape, and the errors (kept as the rules' definition). */
    static long formatterMicros(String text) {
        Instant instant;
        if (text.endsWith("Z") || ENDS_WITH_OFFSET.matcher(text).matches()) {
            instant = OffsetDateTime.parse(text.replace(' ', 'T'), WITH_OFFSET).toInstant();
        } else {
            instant = LocalDateTime.parse(text, NAIVE).toInstant(ZoneOffset.UTC);
        }
        if (instant.getNano() % 1000 != 0) {
            throw new IllegalArgumentException("more than microsecond precision");
        }
        // not ChronoUnit.MICROS.between: it counts nanoseconds first and overflows past 292 years from 1970
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
    }

    /**
     * The common shapes without the formatters, which cost several microseconds a value (the transform and
     * reconcile convert every value of such a column): {@code yyyy-MM-dd}, optionally followed by a space or
     * 'T' and {@code HH:mm[:ss[.f]]} (1 to 9 fraction digits), optionally followed by {@code Z} or
     * {@code +HH:MM}/{@code -HH:MM}. Returns {@link #NOT_FAST} for any other shape and for any value the
     * formatters would adjust or refuse (an invalid day or hour, year 0, sub-microsecond digits), so the result is
     * always the formatters' ({@code ConversionsTest} compares both).
     */
    static long fastMicros(String t) {
        int n = t.length();
        if (n < 10 || t.charAt(4) != '-' || t.charAt(7) != '-') {
            return NOT_FAST;
        }
        int year = AsciiDigits.value(t, 0, 4);
        int month = AsciiDigits.value(t, 5, 2);
        int day = AsciiDigits.value(t, 8, 2);
        if (year < 1 || month < 1 || month > 12 || day < 1 || day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return NOT_FAST;
        }
        long seconds = LocalDate.of(year, month, day).toEpochDay() * 86_400L;
        int i = 10;
        long nanos = 0;
        if (i < n && (t.charAt(i) == ' ' || t.charAt(i) == 'T')) {
            if (n < i + 6 || t.charAt(i + 3) != ':') {
                return NOT_FAST;
            }
            int hour = AsciiDigits.value(t, i + 1, 2);
            int minute = AsciiDigits.value(t, i + 4, 2);
            int second = 0;
            i += 6;
            if (i < n && t.charAt(i) == ':') {
                second = n >= i + 3 ? AsciiDigits.value(t, i + 1, 2) : -1;
                i += 3;
                if (i < n && t.charAt(i) == '.') {
                    int start = ++i;
                    while (i < n && i - start < 10 && Character.isDigit(t.charAt(i))) {
                        i++;
                    }
                    if (i == start || i - start > 9) {
                        return NOT_FAST;
                    }
                    nanos = AsciiDigits.value(t, start, i - start) * (long) Math.pow(10, 9 - (i - start));
                }
            }
            if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || nanos % 1000 != 0) {
                return NOT_FAST;
            }
            seconds += hour * 3600L + minute * 60L + second;
            if (i < n) {
                long offset = offsetSeconds(t, i);
                if (offset == NOT_FAST) {
                    return NOT_FAST;
                }
                seconds -= offset;
                i = n;
            }
        }
        return i == n ? seconds * 1_000_000L + nanos / 1000 : NOT_FAST;
    }

    /** {@code Z} or {@code +HH:MM}/{@code -HH:MM} (hours up to 18) from {@code i} to the end, in seconds; else NOT_FAST. */
    private static long offsetSeconds(String t, int i) {
        if (t.length() == i + 1 && t.charAt(i) == 'Z') {
            return 0;
        }
        char sign = t.charAt(i);
        if (t.length() != i + 6 || (sign != '+' && sign != '-') || t.charAt(i + 3) != ':') {
            return NOT_FAST;
        }
        int h = AsciiDigits.value(t, i + 1, 2);
        int m = AsciiDigits.value(t, i + 4, 2);
        if (h < 0 || h > 18 || m < 0 || m > 59 || (h == 18 && m > 0)) {
            return NOT_FAST;
        }
        return (sign == '-' ? -1 : 1) * (h * 3600L + m * 60L);
    }
}
