package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ALTER TABLE ADD COLUMN in a live SQLite source: SQLite does not rewrite existing rows, so rows nobody
 * touches afterwards get no event; they must still read the column's default in the target, as they do in
 * the source (the default travels in the schema and the target column is added with it).
 */
class SqliteAddColumnIT {
    @TempDir
    Path dir;

    @Test
    void rowsWrittenBeforeAnAddColumnReadItsDefaultInTheTarget() throws Exception {
        String target = TestServers.newDatabase("addcol");
        Path db = dir.resolve("alerts.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE alerts (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, price REAL)");
            s.execute("WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 50) INSERT INTO alerts SELECT v, 'SYM' || v, v * 1.25 FROM n");
        }
        SqliteScenario scenario = new SqliteScenario(dir, "addcol", db, "alerts", target);
        try (PipelineRunner runner = new PipelineRunner(scenario.file)) {
            scenario.awaitMatch(runner);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
                s.execute("ALTER TABLE alerts ADD COLUMN status TEXT NOT NULL DEFAULT 'it''s open'");
                s.execute("ALTER TABLE alerts ADD COLUMN acknowledged BOOLEAN NOT NULL DEFAULT 1");
                s.execute("ALTER TABLE alerts ADD COLUMN threshold REAL DEFAULT 2");
                s.execute("ALTER TABLE alerts ADD COLUMN level INTEGER DEFAULT '7'");
                s.execute("ALTER TABLE alerts ADD COLUMN raised_at DATETIME DEFAULT '2025-01-01 00:00:00'");
                s.execute("ALTER TABLE alerts ADD COLUMN payload BLOB DEFAULT x'00ff'");
                s.execute("ALTER TABLE alerts ADD COLUMN note TEXT");
                s.execute("INSERT INTO alerts VALUES (51, 'NEW', 9.5, 'closed', 0, 0.5, 1, '2025-06-01 12:00:00', x'01', 'fresh')");
                s.execute("UPDATE alerts SET price = -1 WHERE id = 2");
                s.execute("DELETE FROM alerts WHERE id = 3");
            }
            scenario.awaitMatch(runner);
            try (Connection c = DriverManager.getConnection(target, "postgres", ""); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT status, acknowledged, threshold, level, raised_at AT TIME ZONE 'UTC', payload, note, "
                         + "(SELECT count(*) FROM alerts) FROM alerts WHERE id = 1")) {
                assertTrue(rs.next(), "row 1 (never touched after the ALTERs) is in the target");
                assertEquals("it's open", rs.getString(1));
                assertTrue(rs.getBoolean(2));
                assertEquals(2.0, rs.getDouble(3));
                assertEquals(7L, rs.getLong(4));
                assertEquals("2025-01-01 00:00:00", rs.getString(5));
                assertArrayEquals(new byte[] {0, (byte) 0xff}, rs.getBytes(6));
                assertNull(rs.getString(7));
                assertEquals(50L, rs.getLong(8), "50 rows, one added, one deleted");
            }
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }
}
