package io.tributary.capture.postgres;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PostgreSQL's input text of the values Debezium hands over in a shape of its own: hstore (a Connect
 * map), bit strings (Debezium's {@code Bits}, little-endian bytes) and the values
 * of types Debezium does not know (extension types, {@code include.unknown.datatypes}: the bytes of the
 * value's text). The column of the same type in a target reads the text back to the same value.
 * Arrays never reach here: {@link PgArrays} hands them over as the server's text.
 */
final class PgText {
    /** Debezium's Connect name of a bit string of more than one bit. */
    static final String BITS = "io.debezium.data.Bits";

    private PgText() {
    }

    /**
     * {@code "k"=>"v", "n"=>NULL}, keys in hstore's own order (shorter first, then by their bytes), so a text
     * column holding it reads the same as the source's {@code ::text}.
     */
    static String hstore(Map<?, ?> map) {
        List<String> pairs = new ArrayList<>();
        map.entrySet().stream()
                .sorted((a, b) -> compareKeys(a.getKey().toString(), b.getKey().toString()))
                .forEach(e -> pairs.add(quote(e.getKey().toString()) + "=>" + (e.getValue() == null ? "NULL" : quote(e.getValue().toString()))));
        return String.join(", ", pairs);
    }

    private static int compareKeys(String a, String b) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        return x.length != y.length ? Integer.compare(x.length, y.length) : java.util.Arrays.compareUnsigned(x, y);
    }

    /**
     * A bit string of {@code length} bits from Debezium's little-endian bytes of its value, leading zeros
     * restored. For a {@code varbit} the declared length is only the most it may hold, so leading zeros of a
     * shorter value cannot be told apart from absent ones: refused by the caller before this is used.
     */
    static String bits(Object value, int length) {
        byte[] little = value instanceof ByteBuffer b ? bytes(b) : (byte[]) value;
        byte[] big = new byte[little.length + 1]; // a leading 0 byte: the value is never negative
        for (int i = 0; i < little.length; i++) {
            big[big.length - 1 - i] = little[i];
        }
        String digits = new BigInteger(big).toString(2);
        return "0".repeat(Math.max(0, length - digits.length())) + digits;
    }

    /** The text of a value of a type Debezium does not know: it hands over the bytes of the value's text. */
    static String unknown(Object value) {
        return new String(value instanceof ByteBuffer b ? bytes(b) : (byte[]) value, StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
