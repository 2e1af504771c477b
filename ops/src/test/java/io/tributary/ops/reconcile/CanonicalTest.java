package io.tributary.ops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A source value and the target value the sink wrote for it reduce to the same text, and different values do not. */
class CanonicalTest {
    private static void same(Object sqlite, String postgresText, TargetType type) {
        assertEquals(Canonical.fromPostgres(postgresText, type, ""), Canonical.fromSqlite(sqlite, type), sqlite + " vs " + postgresText);
    }

    @Test
    void sqliteValuesMeetTheirTargetValues() {
        same(1, "t", TargetType.BOOL);
        same(0L, "f", TargetType.BOOL);
        same("2025-01-02 03:04:05.678", "2025-01-02 03:04:05.678+00", TargetType.TIMESTAMPTZ);
        same("2025-01-02T03:04:05Z", "2025-01-02 03:04:05+00", TargetType.TIMESTAMPTZ);
        same("2025-01-02 03:04:05.000001", "2025-01-02 03:04:05.000001+00", TargetType.TIMESTAMPTZ);
        same("2024-02-29", "2024-02-29", TargetType.DATE);
        same(0.30000000000000004, "0.30000000000000004", TargetType.FLOAT8);
        same(1e-300, "1e-300", TargetType.FLOAT8);
        same(1.5, "1.50000000", TargetType.NUMERIC);
        same(3L, "3.0000", TargetType.NUMERIC);
        same(new byte[] {0, -1}, "\\x00ff", TargetType.BYTEA);
        same("é", "\\xc3a9", TargetType.BYTEA); // text in a BLOB column travels as its UTF-8 bytes
        same(Integer.MAX_VALUE, "2147483647", TargetType.INT);
        same("{\"k\":  1}", "{\"k\":  1}", TargetType.JSON);
        same("{\"b\": 1, \"a\": [1, 2.50]}", "{\"a\": [1, 2.5], \"b\": 1}", TargetType.JSONB);
    }

    @Test
    void aSqliteDateTimeKeptNaiveInATimestampColumnMeetsItsTargetValue() {
        same("2024-01-02 03:04:05.500", "2024-01-02 03:04:05.5", TargetType.TIMESTAMP);
        same("2024-01-02T03:04:05", "2024-01-02 03:04:05", TargetType.TIMESTAMP);
        assertTrue(Canonical.fromSqlite("not a time", TargetType.TIMESTAMP).startsWith(Canonical.UNCONVERTIBLE));
    }

    @Test
    void whatTheTransformCouldNotConvertEqualsNothing() {
        String seven = Canonical.fromSqlite(7L, TargetType.BOOL);
        assertTrue(seven.startsWith(Canonical.UNCONVERTIBLE), seven);
        assertEquals("(cannot convert: 7)", Canonical.display(seven));
        assertTrue(Canonical.fromSqlite("yesterday", TargetType.TIMESTAMPTZ).startsWith(Canonical.UNCONVERTIBLE));
        assertTrue(Canonical.fromSqlite(1.5, TargetType.INT).startsWith(Canonical.UNCONVERTIBLE), "a REAL in an INTEGER column");
    }

    @Test
    void postgresWideningsAreUndone() {
        assertEquals("3.4028234663852886E38", Canonical.fromPostgres("3.4028235e+38", TargetType.FLOAT8, "float4"), "real as the sink widened it");
        assertEquals(Canonical.fromPostgres("3.4028234663852886e+38", TargetType.FLOAT8, ""), Canonical.fromPostgres("3.4028235e+38", TargetType.FLOAT8, "float4"));
        assertEquals("0", Canonical.fromPostgres("0.000", TargetType.NUMERIC, ""));
        assertEquals("NaN", Canonical.fromPostgres("NaN", TargetType.NUMERIC, ""));
        assertEquals("-0.0", Canonical.fromPostgres("-0", TargetType.FLOAT8, ""), "negative zero is not zero, bit for bit");
    }

    @Test
    void jsonbIsComparedByValueJsonByText() {
        assertEquals(Canonical.jsonValue("{\"a\":1,\"a\":2}"), Canonical.jsonValue("{\"a\": 2}"), "the last of duplicate keys, as jsonb keeps");
        assertEquals(Canonical.jsonValue("[1e2, \"\\u00e9\"]"), Canonical.jsonValue("[100, \"é\"]"));
        assertNotEquals(Canonical.jsonValue("{\"a\": 1}"), Canonical.jsonValue("{\"a\": \"1\"}"));
        assertNotEquals(Canonical.fromPostgres("{\"a\":1}", TargetType.JSON, ""), Canonical.fromPostgres("{\"a\": 1}", TargetType.JSON, ""));
    }

    @Test
    void timestamptzTextIsPostgresOwnForm() {
        assertEquals("1970-01-01 00:00:00+00", Canonical.timestamptz(0));
        assertEquals("1969-12-31 23:59:59.999999+00", Canonical.timestamptz(-1));
        assertEquals("2025-01-02 03:04:05.1+00", Canonical.timestamptz(1_735_787_045_100_000L));
        assertEquals("0001-01-01 00:00:00+00", Canonical.timestamptz(-62_135_596_800_000_000L));
    }

    @Test
    void aRoundedChecksumNeverHidesADifferenceBeyondTheTolerance() {
        Random r = new Random(42);
        double tolerance = 0.0001;
        int sameRounding = 0;
        for (int i = 0; i < 40_000; i++) {
            double a = (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(20) - 10);
            double b = a * (1 + (r.nextDouble() - 0.5) * 4 * tolerance * (r.nextBoolean() ? 1 : 0.01));
            String x = Double.toString(a);
            String y = Double.toString(b);
            if (Canonical.rounded(x, tolerance).equals(Canonical.rounded(y, tolerance))) {
                sameRounding++;
                assertTrue(Canonical.withinTolerance(x, y, tolerance), x + " and " + y + " round alike but differ by more than the tolerance");
            }
        }
        assertTrue(sameRounding > 200, "the rounding lets close values share a checksum: " + sameRounding);
        assertTrue(Canonical.withinTolerance("100", "100.009", tolerance));
        assertFalse(Canonical.withinTolerance("100", "100.011", tolerance));
        assertFalse(Canonical.withinTolerance("NaN", "1", tolerance));
    }

    @Test
    void theChecksumIgnoresOrderAndAddsUp() {
        long a = Digest.rowHash(new String[] {"1", "x"});
        long b = Digest.rowHash(new String[] {"2", null});
        assertEquals(new Digest(0, 0).plus(a).plus(b), new Digest(0, 0).plus(b).plus(a));
        assertEquals(new Digest(1, a), new Digest(0, 0).plus(a).plus(b).minus(new Digest(1, b)));
        assertNotEquals(Digest.rowHash(new String[] {"a", "b"}), Digest.rowHash(new String[] {"ab", ""}), "values do not run into each other");
        assertNotEquals(Digest.rowHash(new String[] {null}), Digest.rowHash(new String[] {""}), "NULL is not empty text");
        assertNotEquals(Digest.rowHash(new String[] {"é"}), Digest.rowHash(new String[] {new String("é".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)}));
    }
}
