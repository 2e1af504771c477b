package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.debezium.time.ZonedTimestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ZonedTimestamps#epochMicros(String)} reads the common form by hand: it must give what
 * {@code OffsetDateTime.parse} gives (the path before it) for every text, and fail where that fails.
 */
class ZonedTimestampsTest {
    private static final long SEED = 20261130L;

    /** The path before: every text through {@code OffsetDateTime.parse}. */
    private static long reference(String iso) {
        return ZonedTimestamps.epochMicros(OffsetDateTime.parse(iso).toInstant());
    }

    /** Debezium's text of a random instant: years -4713 to ~293000 (about PostgreSQL's range), mostly 0000-9999, mostly UTC. */
    private static String randomText(Random r) {
        long seconds = switch (r.nextInt(4)) {
            case 0 -> r.nextLong(-210_866_803_200L, 9_200_000_000_000L); // 4713 BC to about 293000 AD, near where microseconds overflow a long
            case 1 -> r.nextLong(-62_167_219_200L, 253_402_300_800L); // 0000-01-01 to 9999-12-31
            default -> r.nextLong(-2_208_988_800L, 4_102_444_800L); // 1900 to 2100
        };
        int nanos = switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> r.nextInt(1_000) * 1_000_000;
            default -> r.nextInt(1_000_000) * 1_000;
        };
        ZoneOffset offset = r.nextInt(5) == 0 ? ZoneOffset.ofTotalSeconds(r.nextInt(-18 * 4, 18 * 4 + 1) * 900) : ZoneOffset.UTC;
        OffsetDateTime t = Instant.ofEpochSecond(seconds, nanos).atOffset(offset);
        if (r.nextInt(4) == 0) { // a fixed number of fraction digits, as Debezium writes for timestamptz(p)
            int digits = 1 + r.nextInt(9);
            String base = t.withNano(0).format(ZonedTimestamp.FORMATTER);
            int cut = base.length() - (offset.equals(ZoneOffset.UTC) ? 1 : 6);
            String fraction = String.format("%09d", t.getNano()).substring(0, digits);
            return base.substring(0, cut) + "." + fraction + base.substring(cut);
        }
        return t.format(ZonedTimestamp.FORMATTER);
    }

    @Test
    void equalsTheParsedValueOnRandomDebeziumTexts() {
        Random r = new Random(SEED);
        for (int i = 0; i < 50_000; i++) {
            String text = randomText(r);
            assertEquals(reference(text), ZonedTimestamps.epochMicros(text), text);
        }
    }

    @Test
    void failsWhereTheParseFailsAndAgreesElsewhereOnMutatedTexts() {
        Random r = new Random(SEED + 1);
        String alphabet = "0123456789:-.TZtz+ /a";
        int failures = 0;
        for (int i = 0; i < 50_000; i++) {
            StringBuilder text = new StringBuilder(randomText(r));
            for (int m = 1 + r.nextInt(2); m > 0; m--) {
                int at = r.nextInt(text.length());
                switch (r.nextInt(3)) {
                    case 0 -> text.setCharAt(at, alphabet.charAt(r.nextInt(alphabet.length())));
                    case 1 -> text.deleteCharAt(at);
                    default -> text.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
                }
            }
            String s = text.toString();
            long expected;
            try {
                expected = reference(s);
            } catch (RuntimeException e) { // unparseable, or out of the range of a long's microseconds
                failures++;
                assertThrows(e.getClass(), () -> ZonedTimestamps.epochMicros(s), s);
                continue;
            }
            assertEquals(expected, ZonedTimestamps.epochMicros(s), s);
        }
        assertTrue(failures > 1_000 && failures < 49_000, "both kinds of text were tried: " + failures + " of 50,000 failed");
    }

    @Test
    void datesThatDoNotExistAndTimesOutOfRangeFailAsTheParseDoes() {
        for (String s : new String[] {"2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T23:60:00Z",
                "2024-01-01T23:59:60Z", "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z",
                "2024-01-01T00:00:00.1234567890Z"}) {
            assertThrows(DateTimeParseException.class, () -> ZonedTimestamps.epochMicros(s), s);
        }
        assertEquals(reference("2024-02-29T23:59:59.999999999Z"), ZonedTimestamps.epochMicros("2024-02-29T23:59:59.999999999Z"));
        assertEquals(reference("2024-01-01T00:00:00.Z"), ZonedTimestamps.epochMicros("2024-01-01T00:00:00.Z"), "a point without digits parses");
        assertEquals(reference("0000-01-01T00:00:00Z"), ZonedTimestamps.epochMicros("0000-01-01T00:00:00Z"));
        assertEquals(reference("1969-12-31T23:59:59.5Z"), ZonedTimestamps.epochMicros("1969-12-31T23:59:59.5Z"));
    }
}
