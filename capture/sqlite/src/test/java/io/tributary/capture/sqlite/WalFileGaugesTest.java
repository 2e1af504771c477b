package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The -wal file's size and last write, on a real SQLite database in WAL mode. */
class WalFileGaugesTest {
    @TempDir
    Path dir;

    @Test
    void followsTheWalFileOfALiveDatabaseAndIsNaNWithoutOne() throws Exception {
        Path db = dir.resolve("app.db");
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        WalFileGauges.register(metrics, "app", db);
        assertTrue(Double.isNaN(size(metrics)), "no database, no WAL: unknown");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA wal_autocheckpoint = 0"); // keep every frame in the WAL for the size check
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            Files.setLastModifiedTime(db.resolveSibling("app.db-wal"), FileTime.fromMillis(1_000_000L)); // an old write
            assertEquals(1000.0, modified(metrics), 1e-9);
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO t SELECT i, printf('%.500c', 'x') FROM n");
            double size = size(metrics);
            assertEquals(Files.size(db.resolveSibling("app.db-wal")), size, 0.0);
            assertTrue(size > 500_000, "1000 rows of 500 bytes are in the WAL: " + size);
            assertTrue(modified(metrics) > 1_000_000, "the insert moved the last write to now: " + modified(metrics));
        }
    }

    private static double size(SimpleMeterRegistry m) {
        return m.get("tributary.capture.sqlite.wal").tag("source", "app").gauge().value();
    }

    private static double modified(SimpleMeterRegistry m) {
        return m.get("tributary.capture.sqlite.wal.modified.timestamp").tag("source", "app").gauge().value();
    }
}
