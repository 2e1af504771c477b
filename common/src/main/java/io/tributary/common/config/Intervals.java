package io.tributary.common.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The interval text the pipeline file accepts for TimescaleDB settings: one amount and one unit
 * ("5 minutes", "1 month"), which PostgreSQL reads as an {@code interval}. Lengths are PostgreSQL's and
 * TimescaleDB's approximations for comparing intervals (a month is 30 days, a year 12 months), good for
 * checking a declaration before any server sees it, not for calendar arithmetic.
 */
final class Intervals {
    private static final Pattern INTERVAL = Pattern.compile(
            "(\\d+)\\s*(microsecond|millisecond|second|minute|hour|day|week|month|year)s?", Pattern.CASE_INSENSITIVE);
    private static final long SECOND = 1_000_000L;
    private static final long DAY = 86_400 * SECOND;

    private Intervals() {
    }

    static boolean valid(String text) {
        return INTERVAL.matcher(text.trim()).matches();
    }

    /** Whether the length varies with the calendar (months, years): TimescaleDB's variable-width buckets. */
    static boolean variable(String text) {
        Matcher m = match(text);
        return m.group(2).toLowerCase(Locale.ROOT).matches("month|year");
    }

    /** The approximate length in microseconds; the text must be {@link #valid}. */
    static long micros(String text) {
        Matcher m = match(text);
        long n = Long.parseLong(m.group(1));
        return n * switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "microsecond" -> 1L;
            case "millisecond" -> 1_000L;
            case "second" -> SECOND;
            case "minute" -> 60 * SECOND;
            case "hour" -> 3_600 * SECOND;
            case "day" -> DAY;
            case "week" -> 7 * DAY;
            case "month" -> 30 * DAY;
            default -> 360 * DAY; // year: 12 months of 30 days, as PostgreSQL compares intervals
        };
    }

    /** {@code k} times the interval, as interval text ("3 days" for 3 × "1 day"). */
    static String times(String text, int k) {
        Matcher m = match(text);
        return Long.parseLong(m.group(1)) * k + " " + m.group(2).toLowerCase(Locale.ROOT) + "s";
    }

    private static Matcher match(String text) {
        Matcher m = INTERVAL.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not an interval: " + text);
        }
        return m;
    }
}
