package io.tributary.capture.sqlite.wal;

import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.TableSchema;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The one home of what a SQLite column's declared type means, from SQLite's rules to the change-event
 * contract: declared type -> affinity -> contract {@link ColumnType} -> normalized type, what a constant
 * default is under an affinity, and how a stored value travels. The decoder (record values, defaults of
 * rows written before an {@code ALTER TABLE ADD COLUMN}) and the capture (table schemas, snapshot and
 * streamed values) both decide through it, so that a column means the same everywhere.
 *
 * <p>Types: SQLite's affinity of the declared type (INTEGER, TEXT, BLOB, REAL, NUMERIC; an empty declared
 * type has BLOB affinity) gives INT64, TEXT, BYTES, FLOAT64; NUMERIC affinity keeps what the application
 * stores: BOOLEAN as INT64 0/1 and DATE/DATETIME/JSON (anything else) as TEXT, with the declared type in
 * {@code tributary.source.type} and the meaning in {@link Column#normalizedType()} for the transform;
 * DECIMAL/NUMERIC as the exact decimal text of the stored value.
 *
 * <p>Not done: converting a value that does not fit its column's contract type (a BLOB in a TEXT column,
 * text in an INTEGER column); that is an error naming the column, never a silent conversion.
 */
public final class SqliteTypes {
    /** SQLite's column affinities. */
    public enum Affinity { INTEGER, TEXT, BLOB, REAL, NUMERIC }

    private SqliteTypes() {
    }

    /** SQLite's rules for the affinity of a declared type, in their order: INT, then CHAR/CLOB/TEXT, BLOB or none, REAL/FLOA/DOUB, else NUMERIC. */
    static Affinity affinity(String declared) {
        String t = declared.toUpperCase(Locale.ROOT);
        if (t.contains("INT")) {
            return Affinity.INTEGER;
        }
        if (t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT")) {
            return Affinity.TEXT;
        }
        if (t.isEmpty() || t.contains("BLOB")) {
            return Affinity.BLOB;
        }
        if (t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB")) {
            return Affinity.REAL;
        }
        return Affinity.NUMERIC;
    }

    /** The contract type a column of this declared type travels as. */
    public static ColumnType contractType(String declared) {
        return switch (affinity(declared)) {
            case INTEGER -> ColumnType.INT64;
            case TEXT -> ColumnType.TEXT;
            case BLOB -> ColumnType.BYTES;
            case REAL -> ColumnType.FLOAT64;
            case NUMERIC -> {
                String t = declared.toUpperCase(Locale.ROOT);
                if (t.startsWith("BOOL")) {
                    yield ColumnType.INT64;
                }
                yield t.startsWith("DECIMAL") || t.startsWith("NUMERIC") ? ColumnType.DECIMAL : ColumnType.TEXT;
            }
        };
    }

    /**
     * What values stored under a declared type mean, where the application stores them in another storage
     * class: BOOLEAN 0/1, DATETIME/TIMESTAMP text (naive, UTC), DATE text, JSON text. The transform converts
     * them ({@link io.tributary.schemas.event.Conversions}); null when the contract type is the meaning.
     */
    public static ColumnType normalizedType(String declared) {
        String t = declared.toUpperCase(Locale.ROOT);
        ColumnType stored = contractType(declared);
        if (stored == ColumnType.INT64 && t.startsWith("BOOL")) {
            return ColumnType.BOOLEAN;
        }
        if (stored == ColumnType.TEXT) {
            if (t.startsWith("DATETIME") || t.startsWith("TIMESTAMP")) {
                return ColumnType.TIMESTAMPTZ;
            }
            if (t.equals("DATE")) {
                return ColumnType.DATE;
            }
            if (t.equals("JSON") || t.equals("JSONB")) {
                return ColumnType.JSON;
            }
        }
        return null;
    }

    /**
     * The value of column {@code c} as the contract's Avro representation. SQLite stores values by storage
     * class, not by declared type, so a value that cannot be represented exactly is an error naming where.
     * BYTES columns take text as its UTF-8 bytes and numbers as the bytes of their text.
     */
    public static Object contractValue(Object stored, Column c, TableSchema t) {
        if (stored == null) {
            return null;
        }
        return switch (c.type()) {
            case INT64 -> {
                if (stored instanceof Integer || stored instanceof Long) {
                    yield ((Number) stored).longValue();
                }
                throw mismatch(stored, c, t);
            }
            case FLOAT64 -> {
                if (stored instanceof Number n) {
                    yield n.doubleValue();
                }
                throw mismatch(stored, c, t);
            }
            case DECIMAL -> stored instanceof Double d ? Double.toString(d) : stored.toString();
            case TEXT -> {
                if (stored instanceof byte[]) {
                    throw mismatch(stored, c, t);
                }
                yield stored.toString();
            }
            case BYTES -> ByteBuffer.wrap(stored instanceof byte[] b ? b : stored.toString().getBytes(StandardCharsets.UTF_8));
            default -> throw new IllegalStateException("SQLite capture produced unexpected type " + c.type());
        };
    }

    /**
     * A stored value that its column's contract type cannot carry exactly (text in a BOOLEAN or INTEGER
     * column, 2.5 in an INTEGER column, a BLOB in a TEXT column): SQLite allows it, so it is data of one
     * row, not a reason to stop a source; the capture dead-letters that row.
     */
    public static final class ValueMismatch extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ValueMismatch(String message) {
            super(message);
        }
    }

    private static ValueMismatch mismatch(Object stored, Column c, TableSchema t) {
        return new ValueMismatch("column " + t.table().topic() + "." + c.name() + " is declared '" + c.sourceType()
                + "' but holds a " + stored.getClass().getSimpleName() + " value; Tributary will not convert it silently "
                + "(fix the row, or declare the column with a type that matches what the application stores)");
    }

    // Constant defaults. A row written before ALTER TABLE ADD COLUMN has no field for the column; SQLite then
    // reads the column's default as it evaluated it when the column was added: the literal with the column's
    // affinity applied. The methods below are that evaluation, literal kind by kind (DeclaredDefaultsTest
    // checks them against SQLite).

    /**
     * A numeric literal ({@code 12}, {@code 0x1F}, {@code 1.5e3}, {@code 1_000}) after an optional sign.
     * Integer literals are read as 64-bit values first (so {@code 007} in a TEXT column is {@code "7"}); real
     * literals, and integers too large for 64 bits, keep their text in a TEXT column. Null when SQLite's
     * result is a real rendered as text (a negated {@code 0x8000000000000000} in a TEXT column), which this
     * does not reproduce: the caller treats such a default as not constant.
     */
    static Object numericLiteral(String token, boolean negative, Affinity a) {
        String t = token.replace("_", "");
        if (t.length() > 2 && (t.startsWith("0x") || t.startsWith("0X"))) {
            long v = Long.parseUnsignedLong(t.substring(2), 16);
            return integerLiteral(v, negative, a);
        }
        if (isDigits(t)) {
            String digits = t.replaceFirst("^0+(?=.)", "");
            if (digits.length() < 19 || (digits.length() == 19 && digits.compareTo("9223372036854775807") <= 0)) {
                return integerLiteral(Long.parseLong(digits), negative, a);
            }
        }
        String text = (negative ? "-" : "") + t;
        return switch (a) {
            case TEXT -> text;
            case BLOB -> isDigits(t) ? numeric(text) : (Object) Double.parseDouble(text);
            default -> affinity(text, a);
        };
    }

    /** An integer value (a 64-bit literal, TRUE or FALSE) under affinity {@code a}. */
    static Object integerLiteral(long v, boolean negative, Affinity a) {
        if (negative && v == Long.MIN_VALUE) {
            // -(-2^63) is a real in SQLite; as text it is rendered the way SQLite prints reals
            return a == Affinity.TEXT ? null : affinity(9.223372036854775808E18, a);
        }
        long w = negative ? -v : v;
        return switch (a) {
            case TEXT -> Long.toString(w);
            case REAL -> (double) w;
            default -> w;
        };
    }

    /**
     * A string literal (or a bare identifier, which SQLite reads as a string in a DEFAULT) under affinity
     * {@code a}: text that is a well-formed decimal number becomes that number in an INTEGER, REAL or NUMERIC
     * column; anything else stays text.
     */
    static Object textLiteral(String s, Affinity a) {
        return affinity(s, a);
    }

    /** SQLite's applyAffinity for a value that is a string, a Long or a Double. */
    private static Object affinity(Object v, Affinity a) {
        return switch (a) {
            case TEXT, BLOB -> v;
            case INTEGER, NUMERIC -> v instanceof String s ? numericOrText(s) : v instanceof Double d ? integerIfExact(d) : v;
            case REAL -> {
                Object n = v instanceof String s ? numericOrText(s) : v instanceof Double d ? integerIfExact(d) : v;
                yield n instanceof Long l ? (Object) (double) l : n;
            }
        };
    }

    private static Object numericOrText(String s) {
        Object n = numeric(s);
        return n == null ? s : n;
    }

    /**
     * The number SQLite's text-to-number rule reads from {@code s}, or null: optional
     * surrounding spaces, an optional sign, decimal digits with an optional fraction and exponent; no hex, no
     * Infinity or NaN. Integer syntax that fits 64 bits is a Long; anything else a Double, made a Long when
     * that is exact.
     */
    private static Object numeric(String s) {
        String t = trimSpaces(s);
        int i = t.startsWith("+") || t.startsWith("-") ? 1 : 0;
        int mantissaDigits = 0;
        boolean integerSyntax = true;
        while (i < t.length() && isDigit(t.charAt(i))) {
            i++;
            mantissaDigits++;
        }
        if (i < t.length() && t.charAt(i) == '.') {
            integerSyntax = false;
            i++;
            while (i < t.length() && isDigit(t.charAt(i))) {
                i++;
                mantissaDigits++;
            }
        }
        if (mantissaDigits == 0) {
            return null;
        }
        if (i < t.length() && (t.charAt(i) == 'e' || t.charAt(i) == 'E')) {
            integerSyntax = false;
            int e = ++i;
            if (i < t.length() && (t.charAt(i) == '+' || t.charAt(i) == '-')) {
                e = ++i;
            }
            while (i < t.length() && isDigit(t.charAt(i))) {
                i++;
            }
            if (i == e) {
                return null;
            }
        }
        if (i != t.length()) {
            return null;
        }
        if (integerSyntax) {
            try {
                return Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
            } catch (NumberFormatException tooLarge) {
                // more than 64 bits: a real, as in SQLite
            }
        }
        return integerIfExact(Double.parseDouble(t));
    }

    /** SQLite's integer affinity for a real: an integer when that is exact and strictly inside the 64-bit range. */
    private static Object integerIfExact(double d) {
        long ix = (long) d;
        return d == (double) ix && ix > Long.MIN_VALUE && ix < Long.MAX_VALUE ? (Object) ix : (Object) d;
    }

    private static String trimSpaces(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && isSpace(s.charAt(b))) {
            b++;
        }
        while (e > b && isSpace(s.charAt(e - 1))) {
            e--;
        }
        return s.substring(b, e);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == 0x0b;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
