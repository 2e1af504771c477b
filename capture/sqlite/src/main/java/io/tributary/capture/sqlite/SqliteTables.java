package io.tributary.capture.sqlite;

import io.tributary.common.sql.Identifiers;
import io.tributary.capture.sqlite.wal.ColumnDef;
import io.tributary.capture.sqlite.wal.SqliteTypes;
import io.tributary.capture.sqlite.wal.TableDef;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A SQLite table's shape in the change-event contract, built from its definition as decoded from the WAL
 * ({@link TableDef}): the snapshot takes the definition at its WAL position, each streamed transaction the
 * one its rows were decoded with, so the schema is read once and always matches the rows. Column types,
 * normalized types, defaults and values are decided by {@link SqliteTypes}.
 *
 * <p>Shape rules: the stored columns in declaration order, without generated columns (derived; SQLite's
 * {@code PRAGMA table_info} leaves them out too); a column is optional unless declared NOT NULL or part of
 * the primary key (SQLite lets PRIMARY KEY columns other than an INTEGER PRIMARY KEY hold NULL; the key
 * must not); the primary key in key order, or for a table without one the rowid, carried as the column
 * {@value #ROWID}.
 *
 * <p>Defaults: what rows written before an {@code ALTER TABLE ADD COLUMN} read. A constant default is
 * evaluated once, by {@link SqliteTypes}, for the decoder and the schema alike. A default that is an
 * expression is the one piece that needs SQLite over JDBC: SQLite accepts a constant expression such as
 * {@code (CAST(3 AS TEXT))} for ADD COLUMN, and only SQLite can evaluate it (the decoder refuses a row that
 * needs one rather than guess). Time defaults ({@code CURRENT_TIMESTAMP}...) carry no value: SQLite does not
 * allow them for ADD COLUMN, so no row can read one. What else a copy of the table needs (generated keys,
 * default expressions, indexes, constraints) is {@link SqliteDefinitions}'s.
 */
final class SqliteTables {
    static final String ROWID = TableSchema.ROWID_COLUMN;

    private SqliteTables() {
    }

    /** Whether {@code table} exists, for the start-up checks (the capture itself reads the schema from the WAL). */
    static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * The contract shape of {@code ref}, defined by {@code def}; {@code sqlite} (any connection to the
     * database) evaluates the defaults that are expressions, and is not used otherwise.
     */
    static TableSchema schema(TableRef ref, TableDef def, Connection sqlite) throws SQLException {
        List<String> key = def.primaryKey();
        List<Column> cols = new ArrayList<>();
        for (ColumnDef c : def.columns()) {
            if (c.generated()) {
                continue;
            }
            String declared = c.declaredType();
            Column col = new Column(c.name(), SqliteTypes.contractType(declared), declared.isEmpty() ? null : declared,
                    !c.notNull() && !key.contains(c.name())).meaning(SqliteTypes.normalizedType(declared));
            cols.add(col.withDefault(defaultOf(ref, c, col, sqlite)));
        }
        if (key.isEmpty()) {
            cols.add(0, new Column(ROWID, ColumnType.INT64, "rowid", false));
            key = List.of(ROWID);
        }
        TableSchema shape = new TableSchema(ref, cols, key);
        return shape.withDefinition(SqliteDefinitions.read(shape, def, sqlite));
    }

    private static Object defaultOf(TableRef ref, ColumnDef c, Column col, Connection sqlite) throws SQLException {
        Object value = c.defaultExpression() == null ? c.defaultValue() : evaluated(sqlite, c.defaultExpression(), col, ref);
        try {
            return SqliteTypes.contractValue(value, col, new TableSchema(ref, List.of(col), List.of()));
        } catch (IllegalStateException e) {
            throw new IllegalStateException("the default of " + ref.topic() + "." + c.name() + " does not fit its type: "
                    + e.getMessage(), e);
        }
    }

    /**
     * A default expression as SQLite evaluates it, with SQLite's own conversions standing in for the
     * column's affinity (CAST AS TEXT is how TEXT affinity renders a number; text that looks like a number
     * becomes one under INTEGER, REAL and NUMERIC affinity); null for a time default.
     */
    private static Object evaluated(Connection sqlite, String expr, Column col, TableRef ref) throws SQLException {
        if (SqliteDefinitions.varies(expr)) {
            return null; // computed per row (a time, a random value): the target gets it as a default expression, or not at all
        }
        String sql = "SELECT (" + expr + "), CAST((" + expr + ") AS TEXT), CAST((" + expr + ") AS NUMERIC)";
        Object value;
        try (Statement s = sqlite.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            Object raw = rs.getObject(1);
            value = switch (col.type()) {
                case TEXT -> raw instanceof byte[] ? raw : rs.getString(2);
                case INT64, FLOAT64 -> raw instanceof String text && looksNumeric(text) ? rs.getObject(3) : raw;
                default -> raw;
            };
        } catch (SQLException e) {
            throw new SQLException("cannot evaluate the default of " + ref.topic() + "." + col.name() + " (" + expr + "): " + e.getMessage(), e);
        }
        if (col.type() == ColumnType.INT64 && value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.2e18) {
            return (long) (double) d; // INTEGER affinity stores a whole REAL as an integer
        }
        return value;
    }

    private static boolean looksNumeric(String s) {
        try {
            Double.parseDouble(s.trim());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The SELECT that reads every row, rowid first when the table is keyed by it. */
    static String selectAll(TableSchema t) {
        StringBuilder sb = new StringBuilder("SELECT ");
        for (int i = 0; i < t.columns().size(); i++) {
            String n = t.columns().get(i).name();
            sb.append(i == 0 ? "" : ", ").append(n.equals(ROWID) ? "rowid" : Identifiers.quote(n));
        }
        return sb.append(" FROM ").append(Identifiers.quote(t.table().table())).toString();
    }
}
