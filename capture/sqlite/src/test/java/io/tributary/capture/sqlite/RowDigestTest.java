package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The digest a resync compares rows by: equal images agree whatever their column order, any changed value differs. */
class RowDigestTest {
    private final RowDigest digest = new RowDigest();

    private static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void equalImagesHaveOneDigestInAnyColumnOrder() {
        Map<String, Object> a = row("id", 1L, "name", "a", "score", 0.5, "data", ByteBuffer.wrap(new byte[] {1, 2}));
        Map<String, Object> b = new HashMap<>(row("data", ByteBuffer.wrap(new byte[] {9, 1, 2}, 1, 2).slice(), "score", 0.5, "name", "a", "id", 1L));
        assertEquals(digest.of(a), digest.of(b));
    }

    @Test
    void anyChangedValueOrTypeChangesTheDigest() {
        long base = digest.of(row("id", 1L, "name", "a", "n", 2L, "x", null));
        for (Map<String, Object> other : List.of(row("id", 1L, "name", "b", "n", 2L, "x", null), row("id", 1L, "name", "a", "n", 3L, "x", null),
                row("id", 1L, "name", "a", "n", "2", "x", null), row("id", 1L, "name", "a", "n", 2.0, "x", null),
                row("id", 1L, "name", "a", "n", 2L, "x", ""), row("id", 1L, "name", "a", "n", 2L),
                row("id", 1L, "name", "a", "n", 2L, "x", null, "added", null), row("id", 1L, "nam", "ea", "n", 2L, "x", null))) {
            assertNotEquals(base, digest.of(other), other.toString());
        }
        assertNotEquals(digest.of(row("t", "ab", "u", "c")), digest.of(row("t", "a", "u", "bc")), "values cannot run into each other");
        assertNotEquals(digest.of(row("d", 0.0)), digest.of(row("d", -0.0)), "REALs bit for bit");
    }

    @Test
    void theKeyIsTheKeyColumnsInKeyOrder() {
        assertEquals(List.of("b", 1L), RowDigest.key(row("n", 1L, "name", "b", "x", 3L), List.of("name", "n")));
    }
}
