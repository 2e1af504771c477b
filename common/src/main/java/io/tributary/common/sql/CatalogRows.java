package io.tributary.common.sql;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A catalog query with one parameter, each row read as strings (PostgreSQL's text of each value, null for
 * NULL): how capture-postgres reads a table's definition and the sink a hypertable's state, small results
 * compared as text.
 */
public final class CatalogRows {
    private CatalogRows() {
    }

    /**
     * The rows of {@code sql}; its single parameter is bound as a bigint (an oid) when a {@link Long}, as a text
     * array when a {@link List}, else as text.
     */
    public static List<String[]> of(Connection c, String sql, Object param) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (param instanceof Long oid) {
                ps.setLong(1, oid);
            } else if (param instanceof List<?> list) {
                Array a = c.createArrayOf("text", list.toArray());
                ps.setArray(1, a);
            } else {
                ps.setString(1, (String) param);
            }
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    String[] row = new String[n];
                    for (int i = 0; i < n; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }
}
