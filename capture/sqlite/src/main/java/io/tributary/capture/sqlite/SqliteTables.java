package io.tributary.capture.sqlite;

import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.TableSchema;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Reads a SQLite table's shape and turns its stored values into the contract's types.
 *
 * <p>Types follow SQLite's affinity rules on the declared type: INT -> INT64; CHAR, CLOB, TEXT -> TEXT;
 * BLOB -> BYTES; REAL, FLOA, DOUB -> FLOAT64; anything else (NUMERIC affinity: BOOLEAN, DATETIME, JSON,
 * DECIMAL...) keeps what the application stores: BOOLEAN as INT64 0/1 and DATE/TIME/JSON as TEXT, with the
 * declared type in {@code tributary.source.type} for the transform to normalise; DECIMAL/NUMERIC as the
 * exact decimal text of the stored value. A table without a primary key is keyed by its rowid, carried as
 * the column {@value #ROWID}.
 */
final class SqliteTables {
    static final String ROWID = "_tributary_rowid";

    private SqliteTables() {
    }

    static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    static TableSchema read(Connection c, TableRef ref) throws SQLException {
        List<Column> cols = new ArrayList<>();
        TreeMap<Integer, String> pk = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name, type, \"notnull\", pk, dflt_value FROM pragma_table_info(?)")) {
            ps.setString(1, ref.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    String declared = rs.getString(2) == null ? "" : rs.getString(2);
                    int pkOrder = rs.getInt(4);
                    // SQLite lets PRIMARY KEY columns (other than INTEGER PRIMARY KEY) hold NULL; the key must not.
                    boolean optional = rs.getInt(3) == 0 && pkOrder == 0;
                    Column col = new Column(name, typeOf(declared), declared.isEmpty() ? null : declared, optional)
                            .meaning(normalizedTypeOf(declared, typeOf(declared)));
                    cols.add(col.withDefault(defaultOf(c, rs.getString(5), col, ref)));
                    if (pkOrder > 0) {
                        pk.put(pkOrder, name);
                    }
                }
            }
        }
        if (cols.isEmpty()) {
            throw new SQLException("table '" + ref.table() + "' does not exist in the SQLite database");
        }
        if (pk.isEmpty()) {
            cols.add(0, new Column(ROWID, ColumnType.INT64, "rowid", false));
            pk.put(1, ROWID);
        }
        return new TableSchema(ref, cols, List.copyOf(pk.values()));
    }

    /**
     * The value rows written before the column existed read for it: SQLite evaluates the declared default
     * (it must be constant for ADD COLUMN), then the column's affinity applies, as SQLite does when it reads
     * such a row. Null for no default, a NULL default, or a time default (CURRENT_TIMESTAMP and the like are
     * not allowed for ADD COLUMN, so no row can read them).
     */
    static Object defaultOf(Connection c, String expr, Column col, TableRef ref) throws SQLException {
        if (expr == null || expr.isBlank() || expr.trim().toUpperCase(Locale.ROOT).startsWith("CURRENT_")) {
            return null;
        }
        // SQLite's own conversions: CAST(x AS TEXT) is how TEXT affinity renders a number; a text that looks
        // like a number becomes one under INTEGER/REAL/NUMERIC affinity (CAST AS NUMERIC), else stays text
        String sql = "SELECT (" + expr + "), CAST((" + expr + ") AS TEXT), CAST((" + expr + ") AS NUMERIC)";
        Object raw;
        Object value;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            raw = rs.getObject(1);
            value = switch (col.type()) {
                case TEXT -> raw instanceof byte[] ? raw : rs.getString(2);
                case INT64, FLOAT64 -> raw instanceof String && looksNumeric(raw.toString()) ? rs.getObject(3) : raw;
                default -> raw;
            };
        } catch (SQLException e) {
            throw new SQLException("cannot evaluate the default of " + ref.topic() + "." + col.name() + " (" + expr + "): " + e.getMessage(), e);
        }
        if (value == null) {
            return null;
        }
        if (col.type() == ColumnType.INT64 && value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.2e18) {
            value = (long) (double) d; // INTEGER affinity stores a whole REAL as an integer
        }
        return value(value, col, new TableSchema(ref, List.of(col), List.of()));
    }

    private static boolean looksNumeric(String s) {
        try {
            Double.parseDouble(s.trim());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static ColumnType typeOf(String declared) {
        String t = declared.toUpperCase(Locale.ROOT);
        if (t.contains("INT")) {
            return ColumnType.INT64;
        }
        if (t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT")) {
            return ColumnType.TEXT;
        }
        if (t.contains("BLOB")) {
            return ColumnType.BYTES;
        }
        if (t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB")) {
            return ColumnType.FLOAT64;
        }
        if (t.startsWith("BOOL")) {
            return ColumnType.INT64;
        }
        if (t.startsWith("DECIMAL") || t.startsWith("NUMERIC")) {
            return ColumnType.DECIMAL;
        }
        return ColumnType.TEXT;
    }

    /**
     * What values stored under a declared type mean, where the application stores them in another storage
     * class: BOOLEAN 0/1, DATETIME/TIMESTAMP text (naive, UTC), DATE text, JSON text. The transform converts
     * them ({@link io.tributary.schemas.event.Conversions}); null when the stored type is the meaning.
     */
    static ColumnType normalizedTypeOf(String declared, ColumnType stored) {
        String t = declared.toUpperCase(Locale.ROOT);
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

    /** The SELECT that reads every row, rowid first when the table is keyed by it. */
    static String selectAll(TableSchema t) {
        StringBuilder sb = new StringBuilder("SELECT ");
        for (int i = 0; i < t.columns().size(); i++) {
            String n = t.columns().get(i).name();
            sb.append(i == 0 ? "" : ", ").append(n.equals(ROWID) ? "rowid" : quote(n));
        }
        return sb.append(" FROM ").append(quote(t.table().table())).toString();
    }

    static String quote(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }

    /**
     * The value of column {@code c} as the contract's Avro representation. SQLite stores values by storage
     * class, not by declared type, so a value that cannot be represented exactly is an error naming where.
     */
    static Object value(Object stored, Column c, TableSchema t) {
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
            case TEXT -> stored instanceof byte[] ? mismatchValue(stored, c, t) : stored.toString();
            case BYTES -> ByteBuffer.wrap(stored instanceof byte[] b ? b : stored.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            default -> throw new IllegalStateException("SQLite capture produced unexpected type " + c.type());
        };
    }

    private static Object mismatchValue(Object stored, Column c, TableSchema t) {
        throw mismatch(stored, c, t);
    }

    private static IllegalStateException mismatch(Object stored, Column c, TableSchema t) {
        return new IllegalStateException("column " + t.table().topic() + "." + c.name() + " is declared '" + c.sourceType()
                + "' but holds a " + stored.getClass().getSimpleName() + " value; Tributary will not convert it silently "
                + "(fix the row, or declare the column with a type that matches what the application stores)");
    }
}
