package io.tributary.capture.postgres;

import io.tributary.schemas.event.AsciiDigits;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;

/**
 * Microseconds since 1970 (UTC) of the text Debezium sends for a {@code timestamptz}
 * ({@code io.debezium.time.ZonedTimestamp}, ISO 8601 with an offset). The common form, the one Debezium writes for
 * every value of years 0000-9999 in UTC ({@code 2026-11-30T10:15:30.123456Z}, 0 to 9 fraction digits), is read
 * by hand: {@code OffsetDateTime.parse} was about a fifth of the capture handler's time in a snapshot profile
 * (docs/performance.md). Any other text (another offset, a year with a sign, no seconds, anything malformed) goes
 * to {@code OffsetDateTime.parse}, as before, and so does a date that does not exist: the result, or the error,
 * is the same ({@code ZonedTimestampsTest} compares both on random values).
 */
final class ZonedTimestamps {
    private ZonedTimestamps() {
    }

    static long epochMicros(String iso) {
        long micros = simpleEpochMicros(iso);
        return micros != NOT_SIMPLE ? micros : epochMicros(OffsetDateTime.parse(iso).toInstant());
    }

    /**
     * Microseconds since 1970 in UTC, for every instant PostgreSQL's timestamptz holds. Not through
     * {@code ChronoUnit.MICROS.between}: it counts nanoseconds first, which overflows a long more than 292
     * years from 1970 (e.g. the common '9999-12-31'). PostgreSQL keeps microseconds, so nothing is cut.
     */
    static long epochMicros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    /** Returned by {@link #simpleEpochMicros} for text not of the common form; no value of the common form maps to it. */
    private static final long NOT_SIMPLE = Long.MIN_VALUE;
    /** {@code yyyy-MM-ddTHH:mm:ss}: the positions of its separators. */
    private static final int DATE_TIME_LENGTH = 19;

    private static long simpleEpochMicros(String s) {
        int n = s.length();
        if (n < DATE_TIME_LENGTH + 1 || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return NOT_SIMPLE;
        }
        int year = AsciiDigits.value(s, 0, 4);
        int month = AsciiDigits.value(s, 5, 2);
        int day = AsciiDigits.value(s, 8, 2);
        int hour = AsciiDigits.value(s, 11, 2);
        int minute = AsciiDigits.value(s, 14, 2);
        int second = AsciiDigits.value(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0 || hour > 23 || minute > 59 || second > 59) {
            return NOT_SIMPLE;
        }
        int nanos = 0;
        int end = n - 1;
        if (end > DATE_TIME_LENGTH) {
            int fraction = end - DATE_TIME_LENGTH - 1;
            if (s.charAt(DATE_TIME_LENGTH) != '.' || fraction < 1 || fraction > 9) {
                return NOT_SIMPLE;
            }
            nanos = AsciiDigits.value(s, DATE_TIME_LENGTH + 1, fraction);
            if (nanos < 0) {
                return NOT_SIMPLE;
            }
            for (int i = fraction; i < 9; i++) {
                nanos *= 10;
            }
        }
        long days;
        try {
            days = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException noSuchDate) {
            return NOT_SIMPLE; // OffsetDateTime.parse says why
        }
        long seconds = days * 86_400 + hour * 3_600L + minute * 60L + second;
        return seconds * 1_000_000L + nanos / 1_000;
    }
}
