package io.tributary.ops.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Command-line times and durations in the forms people type: {@code 10s}, {@code 500ms}, {@code 7d}; ISO instants and dates. */
final class TimeArgs {
    private static final Pattern AMOUNT = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private TimeArgs() {
    }

    /** {@code 0}, {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 7d}, or ISO-8601 ({@code PT10S}). */
    static Duration duration(String text) {
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = AMOUNT.matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a duration (e.g. 10s, 500ms, 5m, 7d)");
        }
    }

    /** An ISO instant ({@code 2025-01-31T12:00:00Z}), a date (midnight UTC), or an age before now ({@code 7d}). */
    static Instant instant(String text) {
        try {
            if (AMOUNT.matcher(text).matches()) {
                return Instant.now().minus(duration(text));
            }
            if (text.length() == 10) {
                return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a time: give an ISO instant (2025-01-31T12:00:00Z), "
                    + "a date (2025-01-31, UTC) or an age before now (7d, 12h)");
        }
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return duration(value);
        }
    }

    static final class InstantConverter implements CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            return instant(value);
        }
    }
}
