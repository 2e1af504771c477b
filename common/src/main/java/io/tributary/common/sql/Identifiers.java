package io.tributary.common.sql;

/**
 * SQL identifiers written into statements: the one quoting rule for every table and column name Tributary
 * puts into SQL text, for PostgreSQL and SQLite alike (both follow the SQL standard's delimited identifier).
 * A quoted name keeps its case and may hold any character, so source names such as {@code "Order"} or
 * {@code my-table} reach the database exactly as declared.
 */
public final class Identifiers {
    /**
     * PostgreSQL keeps at most this many bytes of an identifier (NAMEDATALEN - 1) and silently cuts the
     * rest, so two longer names that differ only after it would name the same object.
     */
    public static final int POSTGRES_MAX_BYTES = 63;

    private Identifiers() {
    }

    /** True when PostgreSQL keeps {@code identifier} whole (at most {@value #POSTGRES_MAX_BYTES} bytes in UTF-8). */
    public static boolean fitsPostgres(String identifier) {
        return identifier.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= POSTGRES_MAX_BYTES;
    }

    /**
     * A name Tributary makes up for an object in a target (an index, a constraint), as PostgreSQL would keep
     * it whole: {@code name} itself when it fits, else its start and a hash of all of it, so that two long
     * names stay apart and the name found again next time is the one created.
     */
    public static String fitted(String name) {
        if (fitsPostgres(name)) {
            return name;
        }
        String start = name.substring(0, Math.min(name.length(), 50));
        while (!fitsPostgres(start + "_12345678")) {
            start = start.substring(0, start.length() - 1);
        }
        return start + "_" + String.format("%08x", name.hashCode());
    }

    /** {@code identifier} as a delimited identifier: in double quotes, an embedded double quote doubled. */
    public static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
