package io.tributary.capture.sqlite;

import io.tributary.capture.sqlite.wal.SqliteTypes;
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
import java.util.TreeMap;

/**
 * A table's shape as SQLite itself reports it over JDBC ({@code PRAGMA table_info}): column names, declared
 * types, NOT NULL and the primary key, read independently of the WAL parser that the capture uses, so tests
 * can check one against the other. Types and meanings come from {@link SqliteTypes} (the one home of that
 * rule); defaults are not read.
 */
final class PragmaTables {
    private PragmaTables() {
    }

    static TableSchema read(Connection c, TableRef ref) throws SQLException {
        List<Column> cols = new ArrayList<>();
        TreeMap<Integer, String> pk = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)")) {
            ps.setString(1, ref.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    String declared = rs.getString(2) == null ? "" : rs.getString(2);
                    int pkOrder = rs.getInt(4);
                    boolean optional = rs.getInt(3) == 0 && pkOrder == 0;
                    cols.add(new Column(name, SqliteTypes.contractType(declared), declared.isEmpty() ? null : declared, optional)
                            .meaning(SqliteTypes.normalizedType(declared)));
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
            cols.add(0, new Column(SqliteTables.ROWID, ColumnType.INT64, "rowid", false));
            pk.put(1, SqliteTables.ROWID);
        }
        return new TableSchema(ref, cols, List.copyOf(pk.values()));
    }
}
