package io.tributary.sink.postgres;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Microseconds since the epoch (the contract's TIMESTAMP and TIMESTAMPTZ values) as the ISO-8601 text PostgreSQL
 * reads into {@code timestamp} and {@code timestamptz}: {@code 2025-02-01T00:00:00.000001} and, in UTC, with a
 * {@code Z}. The same instants as {@link Instant#toString()} and {@link LocalDateTime#toString()}, written
 * directly for the years 1 to 9999 (the formatter took about 8% of the sink's apply CPU in {@code bench sink}); other years through
 * those methods.
 */
final class MicrosText {
    private static final long MICROS_PER_SECOND = 1_000_000L;
    private static final int SECONDS_PER_DAY = 86_400;

    private MicrosText() {
    }

    /** {@code micros} as UTC text ending in {@code Z}, for {@code timestamptz}. */
    static String instant(long micros) {
        String text = write(micros, true);
        return text != null ? text : Instant.EPOCH.plusSeconds(Math.floorDiv(micros, MICROS_PER_SECOND))
                .plusNanos(Math.floorMod(micros, MICROS_PER_SECOND) * 1000).toString();
    }

    /** {@code micros} as a date and time without a zone, for {@code timestamp}. */
    static String local(long micros) {
        String text = write(micros, false);
        return text != null ? text : LocalDateTime.ofEpochSecond(Math.floorDiv(micros, MICROS_PER_SECOND),
                (int) Math.floorMod(micros, MICROS_PER_SECOND) * 1000, ZoneOffset.UTC).toString();
    }

    /** The text for years 1 to 9999; null for other years. */
    private static String write(long micros, boolean zone) {
        long seconds = Math.floorDiv(micros, MICROS_PER_SECOND);
        int fraction = (int) Math.floorMod(micros, MICROS_PER_SECOND);
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(seconds, SECONDS_PER_DAY));
        int ofDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        if (date.getYear() < 1 || date.getYear() > 9999) {
            return null;
        }
        char[] c = new char[zone ? 27 : 26];
        digits(c, 0, date.getYear(), 4);
        c[4] = '-';
        digits(c, 5, date.getMonthValue(), 2);
        c[7] = '-';
        digits(c, 8, date.getDayOfMonth(), 2);
        c[10] = 'T';
        digits(c, 11, ofDay / 3600, 2);
        c[13] = ':';
        digits(c, 14, ofDay / 60 % 60, 2);
        c[16] = ':';
        digits(c, 17, ofDay % 60, 2);
        c[19] = '.';
        digits(c, 20, fraction, 6);
        if (zone) {
            c[26] = 'Z';
        }
        return new String(c);
    }

    private static void digits(char[] c, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
