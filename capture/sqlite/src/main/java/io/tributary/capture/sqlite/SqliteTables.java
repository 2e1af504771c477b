package io.tributary.capture.sqlite;

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
 * {@value #ROWID}. A default travels only when it is a constant: that is what rows written before an
 * {@code ALTER TABLE ADD COLUMN} read, and SQLite allows nothing else there.
 */
final class SqliteTables {
    static final String ROWID = "_tributary_rowid";

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

    /** The contract shape of {@code ref}, defined by {@code def}. */
    static TableSchema schema(TableRef ref, TableDef def) {
        List<String> key = def.primaryKey();
        List<Column> cols = new ArrayList<>();
        for (ColumnDef c : def.columns()) {
            if (c.generated()) {
                continue;
            }
            String declared = c.declaredType();
            Column col = new Column(c.name(), SqliteTypes.contractType(declared), declared.isEmpty() ? null : declared,
                    !c.notNull() && !key.contains(c.name())).meaning(SqliteTypes.normalizedType(declared));
            cols.add(col.withDefault(defaultOf(ref, c, col)));
        }
        if (key.isEmpty()) {
            cols.add(0, new Column(ROWID, ColumnType.INT64, "rowid", false));
            key = List.of(ROWID);
        }
        return new TableSchema(ref, cols, key);
    }

    private static Object defaultOf(TableRef ref, ColumnDef c, Column col) {
        try {
            return SqliteTypes.contractValue(c.defaultValue(), col, new TableSchema(ref, List.of(col), List.of()));
        } catch (IllegalStateException e) {
            throw new IllegalStateException("the default of " + ref.topic() + "." + c.name() + " does not fit its type: "
                    + e.getMessage(), e);
        }
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
}
