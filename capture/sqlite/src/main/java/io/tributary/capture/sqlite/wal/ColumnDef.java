package io.tributary.capture.sqlite.wal;

import java.util.Locale;

/**
 * One column of a {@code CREATE TABLE}. {@code defaultValue} is the value a record that predates an
 * {@code ALTER TABLE ADD COLUMN} yields for this column: the parsed literal with the column's affinity
 * applied, or null when the default is absent or not a literal (an expression or CURRENT_TIME; SQLite does
 * not allow those for ADD COLUMN, so for the short-record case the literal parse is complete).
 */
record ColumnDef(String name, String declaredType, Affinity affinity, Object defaultValue, String collation,
                 boolean virtual) {

    enum Affinity { INTEGER, TEXT, BLOB, REAL, NUMERIC }

    /** SQLite's affinity rules (datatype3.html section 3.1), applied to the declared type. */
    static Affinity affinityOf(String declared) {
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

    /**
     * Affinity conversion of a literal default: numeric text becomes a number for INTEGER/NUMERIC/REAL
     * columns, a number becomes text for TEXT columns. Covers decimal literals; hex and exotic forms are
     * left as they are, and a REAL literal default of a TEXT column is rendered by Java, not by SQLite
     * (e.g. "1.0E20" where SQLite says "1.0e+20").
     */
    static Object applyAffinity(Object v, Affinity a) {
        if (v == null || v instanceof byte[]) {
            return v;
        }
        switch (a) {
            case TEXT:
                return v.toString();
            case REAL:
                Object n = v instanceof String s ? parseNumber(s) : v;
                return n instanceof Long l ? (Object) (double) l : n;
            case INTEGER:
            case NUMERIC:
                Object m = v instanceof String s ? parseNumber(s) : v;
                if (m instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.2e18 && !(d == 0 && 1 / d < 0)) {
                    return (long) (double) d;
                }
                return m;
            default:
                return v;
        }
    }

    private static Object parseNumber(String s) {
        String t = s.trim();
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            // not an integer literal: try a real one below
        }
        try {
            if (!t.isEmpty() && !t.endsWith("d") && !t.endsWith("f") && !t.endsWith("D") && !t.endsWith("F")) {
                return Double.parseDouble(t);
            }
        } catch (NumberFormatException e) {
            // not numeric: SQLite keeps the text
        }
        return s;
    }
}
