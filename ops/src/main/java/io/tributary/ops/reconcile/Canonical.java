package io.tributary.ops.reconcile;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Conversions;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * A value in the terms of its target column's type, as text: the one form both sides of a comparison are
 * reduced to, so equal text means the target holds what the source holds.
 * <ul>
 *   <li>PostgreSQL values are read as PostgreSQL prints them in a session with {@code TimeZone=UTC},
 *       {@code DateStyle=ISO} and hex {@code bytea}; widenings are undone (a {@code real} read for a
 *       {@code double precision} target is widened as the sink widened it, numerics lose trailing zeros);</li>
 *   <li>SQLite values first take the contract type they travel as, then the conversion the transform applied
 *       ({@link Conversions}, by the column's normalised type), then the target column's text form;</li>
 *   <li>{@code jsonb} is compared by value (keys sorted, the last of duplicate keys, numbers by value),
 *       {@code json} by its text, which the sink keeps byte for byte;</li>
 *   <li>floating point compares bit for bit (shortest round-trip text); a column with a tolerance compares
 *       within it ({@link #withinTolerance}).</li>
 * </ul>
 * A source value the transform could not convert (a BOOLEAN 7, a date that is not a date) becomes a text
 * that equals no target value, so its row is reported.
 */
final class Canonical {
    /** Starts every form of a value that cannot be put in the target's terms; no valid form starts with it. */
    static final String UNCONVERTIBLE = "\u0000cannot convert: ";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    private Canonical() {
    }

    /** A PostgreSQL value, as the server printed it ({@code text}, null for NULL), of a column of {@code ownUdt}. */
    static String fromPostgres(String text, TargetType target, String ownUdt) {
        if (text == null) {
            return null;
        }
        return switch (target) {
            case BOOL -> text.equals("t") ? "true" : text.equals("f") ? "false" : text;
            case FLOAT4 -> Double.toString(Float.parseFloat(text));
            case FLOAT8 -> Double.toString(ownUdt.equals("float4") ? (double) Float.parseFloat(text) : Double.parseDouble(text));
            case NUMERIC -> decimal(text);
            case BYTEA -> text.startsWith("\\x") ? text.substring(2) : text;
            case JSONB -> jsonValue(text);
            default -> text;
        };
    }

    /** A value as SQLite stored it (JDBC's Integer, Long, Double, String or byte[]; null for NULL). */
    static String fromSqlite(Object stored, TargetType target) {
        if (stored == null) {
            return null;
        }
        try {
            Object travelling = travelling(stored, target);
            ColumnType meaning = target.sqliteMeaning();
            Object v = meaning == null ? travelling : Conversions.convert(travelling, meaning);
            return switch (target) {
                case BOOL -> v instanceof Boolean b ? b.toString() : UNCONVERTIBLE + v;
                case INT -> Long.toString((Long) v);
                case FLOAT4, FLOAT8 -> Double.toString((Double) v);
                case NUMERIC -> decimal((String) v);
                case BYTEA -> HexFormat.of().formatHex((byte[]) v);
                case DATE -> LocalDate.ofEpochDay(((Number) v).longValue()).toString();
                case TIMESTAMPTZ -> timestamptz((Long) v);
                case TIMESTAMP -> naive((Long) v);
                case JSONB -> jsonValue((String) v);
                default -> v.toString();
            };
        } catch (RuntimeException e) {
            return UNCONVERTIBLE + stored;
        }
    }

    /**
     * The contract value a SQLite-stored value travels as, for a column the sink made {@code target}: the
     * capture's storage-class rules (an INTEGER stays a 64-bit integer, REAL a double, a NUMERIC/DECIMAL its
     * exact decimal text, BOOLEAN its 0/1, date-time and JSON their text).
     */
    private static Object travelling(Object stored, TargetType target) {
        return switch (target) {
            case BOOL, INT -> stored instanceof Integer || stored instanceof Long ? ((Number) stored).longValue() : fail(stored);
            case FLOAT4, FLOAT8 -> stored instanceof Number n ? n.doubleValue() : fail(stored);
            case NUMERIC -> stored instanceof Double d ? Double.toString(d) : stored instanceof byte[] ? fail(stored) : stored.toString();
            case BYTEA -> stored instanceof byte[] b ? b : stored.toString().getBytes(StandardCharsets.UTF_8);
            default -> stored instanceof byte[] ? fail(stored) : stored.toString();
        };
    }

    private static Object fail(Object stored) {
        throw new IllegalArgumentException("a " + stored.getClass().getSimpleName() + " value");
    }

    private static String decimal(String text) {
        if (text.equals("NaN")) {
            return text;
        }
        try {
            return new BigDecimal(text.trim()).stripTrailingZeros().toPlainString();
        } catch (NumberFormatException e) {
            return UNCONVERTIBLE + text;
        }
    }

    /** Microseconds since the epoch as PostgreSQL prints a timestamptz in UTC ({@code 2024-01-02 03:04:05.678+00}). */
    static String timestamptz(long micros) {
        long seconds = Math.floorDiv(micros, 1_000_000L);
        int fraction = (int) Math.floorMod(micros, 1_000_000L);
        LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
        if (t.getYear() < 1 || t.getYear() > 9999) {
            return UNCONVERTIBLE + micros + " microseconds (outside years 1-9999)";
        }
        StringBuilder sb = new StringBuilder(32);
        pad(sb, t.getYear(), 4).append('-');
        pad(sb, t.getMonthValue(), 2).append('-');
        pad(sb, t.getDayOfMonth(), 2).append(' ');
        pad(sb, t.getHour(), 2).append(':');
        pad(sb, t.getMinute(), 2).append(':');
        pad(sb, t.getSecond(), 2);
        if (fraction != 0) {
            int digits = 6;
            while (fraction % 10 == 0) {
                fraction /= 10;
                digits--;
            }
            pad(sb.append('.'), fraction, digits);
        }
        return sb.append("+00").toString();
    }

    /**
     * A naive date-time as PostgreSQL prints a {@code timestamp} ({@code 2024-01-02 03:04:05.678}): the sink
     * keeps a SQLite DATETIME naive in an existing {@code timestamp} column, from the UTC microseconds it travelled as.
     */
    static String naive(long micros) {
        String t = timestamptz(micros);
        return t.startsWith(UNCONVERTIBLE) ? t : t.substring(0, t.length() - 3);
    }

    private static StringBuilder pad(StringBuilder sb, int value, int width) {
        String s = Integer.toString(value);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }

    /** JSON text by value: object keys sorted (the last of duplicates kept, as jsonb does), numbers by value. */
    static String jsonValue(String text) {
        try {
            StringBuilder sb = new StringBuilder(text.length());
            write(JSON.readTree(text), sb);
            return sb.toString();
        } catch (java.io.IOException | RuntimeException e) {
            return UNCONVERTIBLE + "not JSON: " + text;
        }
    }

    private static void write(JsonNode n, StringBuilder sb) {
        if (n.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                sorted.put(e.getKey(), e.getValue());
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
                sb.append(first ? "" : ",").append(TextNode.valueOf(e.getKey())).append(':');
                write(e.getValue(), sb);
                first = false;
            }
            sb.append('}');
        } else if (n.isArray()) {
            sb.append('[');
            for (int i = 0; i < n.size(); i++) {
                sb.append(i == 0 ? "" : ",");
                write(n.get(i), sb);
            }
            sb.append(']');
        } else if (n.isNumber()) {
            sb.append(n.decimalValue().stripTrailingZeros().toPlainString());
        } else {
            sb.append(n);
        }
    }

    /** A key value as a PostgreSQL literal of its target type, for {@code CAST(? AS type)}. */
    static String literal(String canonical, TargetType target) {
        return target == TargetType.BYTEA ? "\\x" + canonical : canonical;
    }

    /**
     * The value as its checksum sees it when the column has a relative tolerance: rounded to enough
     * significant digits that two values with the same rounding are within the tolerance. Values that round
     * differently but are within it are told apart row by row ({@link #withinTolerance}).
     */
    static String rounded(String canonical, double tolerance) {
        if (canonical == null || canonical.startsWith(UNCONVERTIBLE)) {
            return canonical;
        }
        try {
            int digits = (int) Math.ceil(-Math.log10(tolerance)) + 2;
            return new BigDecimal(canonical).round(new MathContext(Math.max(1, digits), RoundingMode.HALF_EVEN)).stripTrailingZeros().toString();
        } catch (NumberFormatException e) {
            return canonical; // NaN, Infinity: compared exactly
        }
    }

    /** Whether two numeric values differ by at most {@code tolerance} relative to the larger magnitude. */
    static boolean withinTolerance(String a, String b, double tolerance) {
        if (a == null || b == null || a.equals(b)) {
            return a == null ? b == null : a.equals(b);
        }
        try {
            BigDecimal x = new BigDecimal(a);
            BigDecimal y = new BigDecimal(b);
            BigDecimal scale = x.abs().max(y.abs());
            return x.subtract(y).abs().compareTo(scale.multiply(BigDecimal.valueOf(tolerance))) <= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A canonical value for a person: the unconvertible marker spelled out, NULL as NULL. */
    static String display(String canonical) {
        if (canonical == null) {
            return "NULL";
        }
        return canonical.startsWith(UNCONVERTIBLE) ? "(cannot convert: " + canonical.substring(UNCONVERTIBLE.length()) + ")" : canonical;
    }
}
