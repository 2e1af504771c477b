package io.tributary.sink.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MicrosTextTest {
    /** Microseconds since the epoch of the first and the last microsecond of years 1 to 9999. */
    private static final long FIRST = micros(LocalDateTime.of(1, 1, 1, 0, 0));
    private static final long LAST = micros(LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000));

    private static long micros(LocalDateTime t) {
        return t.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + t.getNano() / 1000;
    }

    @Test
    void writesTheFullTextWithMicroseconds() {
        assertEquals("2025-02-01T00:00:00.000000Z", MicrosText.instant(1_738_368_000_000_000L));
        assertEquals("2025-02-01T00:00:00.000000", MicrosText.local(1_738_368_000_000_000L));
        assertEquals("1969-12-31T23:59:59.999999Z", MicrosText.instant(-1));
        assertEquals("1970-01-01T00:00:00.000001Z", MicrosText.instant(1));
        assertEquals("0001-01-01T00:00:00.000000Z", MicrosText.instant(FIRST));
        assertEquals("9999-12-31T23:59:59.999999", MicrosText.local(LAST));
    }

    @Test
    void outsideYearsOneTo9999TheTextIsJavaTimes() {
        for (long m : new long[] {FIRST - 1, LAST + 1, Long.MIN_VALUE / 2, Long.MAX_VALUE / 2}) {
            assertEquals(Instant.EPOCH.plus(m, ChronoUnit.MICROS).toString(), MicrosText.instant(m));
            assertEquals(LocalDateTime.ofEpochSecond(Math.floorDiv(m, 1_000_000L), (int) Math.floorMod(m, 1_000_000L) * 1000, ZoneOffset.UTC).toString(),
                    MicrosText.local(m));
        }
    }

    /** The text names the same instant (and date-time) as Java's own, which is what PostgreSQL read before. */
    @Test
    void namesTheSameTimeAsJavaTimeForRandomValues() {
        Random r = new Random(14);
        for (int i = 0; i < 200_000; i++) {
            long m = switch (i % 4) {
                case 0 -> FIRST + (long) (r.nextDouble() * (LAST - FIRST));
                case 1 -> r.nextLong(-86_400_000_000L, 86_400_000_000L); // around the epoch, negatives included
                case 2 -> r.nextLong(-1_000_000L, 1_000_000L) * 1_000_000L; // whole seconds
                default -> r.nextBoolean() ? FIRST + r.nextLong(0, 86_400_000_000L) : LAST - r.nextLong(0, 86_400_000_000L);
            };
            Instant expected = Instant.EPOCH.plus(m, ChronoUnit.MICROS);
            assertEquals(expected, Instant.parse(MicrosText.instant(m)), () -> "micros " + m);
            assertEquals(LocalDateTime.ofInstant(expected, ZoneOffset.UTC), LocalDateTime.parse(MicrosText.local(m)), () -> "micros " + m);
        }
    }
}
