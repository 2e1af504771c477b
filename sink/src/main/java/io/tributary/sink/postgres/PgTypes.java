package io.tributary.sink.postgres;

import io.tributary.schemas.event.Column;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The exact PostgreSQL type of a contract column: 64-bit integers stay bigint, FLOAT64 stays double
 * precision (never float4), DECIMAL keeps its declared precision and scale, JSON keeps json or jsonb as
 * declared, TIMESTAMPTZ is timestamptz, BYTES bytea, UUID uuid. Length-limited text keeps its declared limit.
 */
final class PgTypes {
    private static final Pattern PRECISION = Pattern.compile("\\((\\d+)(?:\\s*,\\s*(\\d+))?\\)");

    private PgTypes() {
    }

    static String sqlType(Column c) {
        String declared = c.sourceType() == null ? "" : c.sourceType().toUpperCase(Locale.ROOT);
        return switch (c.type()) {
            case BOOLEAN -> "boolean";
            case INT16 -> "smallint";
            case INT32 -> "integer";
            case INT64 -> "bigint";
            case FLOAT32 -> "real";
            case FLOAT64 -> "double precision";
            case DECIMAL -> "numeric" + precision(declared);
            case TEXT -> declared.startsWith("VARCHAR") || declared.startsWith("CHARACTER VARYING") ? "varchar" + precision(declared)
                    : declared.startsWith("BPCHAR") || declared.startsWith("CHAR(") ? "char" + precision(declared) : "text";
            case BYTES -> "bytea";
            case DATE -> "date";
            case TIME -> "time";
            case TIMESTAMP -> "timestamp";
            case TIMESTAMPTZ -> "timestamptz";
            case JSON -> declared.contains("JSONB") ? "jsonb" : "json";
            case UUID -> "uuid";
        };
    }

    /** The cast from the array a column travels as (see TableWriter) to an array of the column's exact type. */
    static String arrayCast(Column c) {
        return switch (c.type()) {
            case DECIMAL, JSON, UUID, DATE, TIME, TIMESTAMP, TIMESTAMPTZ -> "::" + sqlType(c) + "[]";
            case TEXT -> sqlType(c).equals("text") ? "" : "::" + sqlType(c) + "[]";
            default -> "";
        };
    }

    private static String precision(String declared) {
        Matcher m = PRECISION.matcher(declared);
        if (!m.find()) {
            return "";
        }
        return "(" + m.group(1) + (m.group(2) == null ? "" : "," + m.group(2)) + ")";
    }

    /**
     * {@code " DEFAULT '<value>'::<type>"} for a column with a {@link Column#defaultValue()}, else "": rows
     * the source wrote before the column existed read its default, and get no event, so the target column
     * carries it too (an old-shape event applied later gets it as well, as the source row would read).
     */
    static String defaultClause(Column c) {
        if (c.defaultValue() == null) {
            return "";
        }
        Object v = TableWriter.element(c, c.defaultValue());
        String text = v instanceof byte[] b ? "\\x" + java.util.HexFormat.of().formatHex(b) : v.toString();
        return " DEFAULT '" + text.replace("'", "''") + "'::" + sqlType(c);
    }
}
