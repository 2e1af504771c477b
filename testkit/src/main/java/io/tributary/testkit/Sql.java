package io.tributary.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** What tests read back from a real PostgreSQL: every value as the text the server prints, in UTC. */
public final class Sql {
    private Sql() {
    }

    /** The rows of {@code sql} on the database at {@code url} (superuser {@code postgres}), each column as text, null as null. */
    public static List<List<String>> rows(String url, String sql) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            try (ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.add(rs.getString(i));
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }
}
