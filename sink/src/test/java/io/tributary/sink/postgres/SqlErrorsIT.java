package io.tributary.sink.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.testkit.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The reason a record is dead-lettered or parked with (and logged with) names the SQLState, table, column
 * and constraint, never the row's values: PostgreSQL's "Failing row contains (...)" detail and values quoted
 * in data errors stay out (real PostgreSQL errors, batch and single statements).
 */
class SqlErrorsIT {
    private static final String SECRET = "jane.doe@example.com";

    @Test
    void reasonsCarryNoRowData() throws Exception {
        String url = TestServers.newDatabase("sqlerrors");
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE NOT NULL, age int CHECK (age > 0), code varchar(3))");
            s.execute("INSERT INTO users VALUES (1, '" + SECRET + "', 30, 'a')");
            String check = reason(c, "INSERT INTO users VALUES (2, '" + SECRET + "x', -7, 'b')");
            assertEquals(SqlErrors.Kind.PER_RECORD, SqlErrors.classify(lastError));
            assertTrue(check.startsWith("SQLState 23514") && check.contains("constraint=users_age_check") && check.contains("table=users"), check);
            String unique = batchReason(c, "INSERT INTO users VALUES (?, ?, 40, 'c')", 3, SECRET);
            assertTrue(unique.startsWith("SQLState 23505") && unique.contains("users_email_key"), unique);
            String notNull = reason(c, "INSERT INTO users VALUES (4, NULL, 40, 'd')");
            assertTrue(notNull.contains("column=email"), notNull);
            String syntax = reason(c, "INSERT INTO users VALUES (5, 'x', '" + SECRET + "'::int, 'e')");
            assertTrue(syntax.startsWith("SQLState 22P02") && syntax.contains("\"(value)\""), syntax);
            String tooLong = batchReason(c, "INSERT INTO users VALUES (?, ?, 40, 'toolong')", 6, SECRET + "y");
            assertTrue(tooLong.startsWith("SQLState 22001"), tooLong);
            for (String r : new String[] {check, unique, notNull, syntax, tooLong}) {
                assertFalse(r.contains(SECRET) || r.contains("-7") || r.contains("Failing row") || r.contains("toolong"), r);
            }
        }
    }

    private SQLException lastError;

    private String reason(Connection c, String sql) {
        lastError = assertThrows(SQLException.class, () -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
        });
        return SqlErrors.describe(lastError);
    }

    private String batchReason(Connection c, String sql, int id, String email) {
        lastError = assertThrows(SQLException.class, () -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setInt(1, id);
                ps.setString(2, email);
                ps.addBatch();
                ps.executeBatch();
            }
        });
        assertTrue(lastError.getMessage().contains(email) || String.valueOf(lastError.getNextException()).contains(email),
                "control: the driver's own message does carry the row");
        return SqlErrors.describe(lastError);
    }
}
