package io.tributary.ops.reconcile;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What reconcile reads from the databases' catalogs: columns, types, primary keys and text collations. */
final class Catalog {
    /** Collations that order text by its UTF-8 bytes, as SQLite's BINARY does. */
    private static final Set<String> BYTE_ORDER = Set.of("c", "posix", "c.utf8", "c.utf-8", "ucs_basic");

    /** A column of a PostgreSQL table: its udt name, its full type (for casts) and its collation, null when not text. */
    record PgColumn(String name, String udt, String sqlType, String collation) {
    }

    /** A column of a SQLite table: its declared type and its place in the primary key (0 when not in it). */
    record SqliteColumn(String name, String declared, int pkOrder) {
    }

    private Catalog() {
    }

    /** The columns of {@code relation} (a quoted, optionally schema-qualified name), empty when there is no such table. */
    static List<PgColumn> postgresColumns(Connection c, String relation) throws SQLException {
        List<PgColumn> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname, t.typname, format_type(a.atttypid, a.atttypmod),
                       CASE WHEN a.attcollation = 0 THEN NULL
                            WHEN co.collname = 'default' THEN (SELECT datcollate FROM pg_database WHERE datname = current_database())
                            ELSE co.collname END
                FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_collation co ON co.oid = a.attcollation
                WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""")) {
            ps.setString(1, relation);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new PgColumn(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        }
        return out;
    }

    /** The primary-key columns of {@code relation}, in key order; empty when it has none. */
    static List<String> postgresKey(Connection c, String relation) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
                WHERE i.indrelid = to_regclass(?) AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)""")) {
            ps.setString(1, relation);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** The columns of a SQLite table in declaration order, empty when there is no such table. */
    static List<SqliteColumn> sqliteColumns(Connection c, String table) throws SQLException {
        List<SqliteColumn> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name, type, pk FROM pragma_table_info(?)")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new SqliteColumn(rs.getString(1), rs.getString(2) == null ? "" : rs.getString(2), rs.getInt(3)));
                }
            }
        }
        return out;
    }

    /** Whether a PostgreSQL collation orders text as SQLite's BINARY does (by bytes). */
    static boolean byteOrder(String collation) {
        return collation != null && BYTE_ORDER.contains(collation.toLowerCase(Locale.ROOT));
    }
}
