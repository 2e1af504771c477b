package io.tributary.ops;

import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SQLite application's tables replicated into a target its migrations created first ({@link ExistingTarget}):
 * SQLite's INTEGER, TEXT, naive DATETIME text and REAL arrive converted into the target's INTEGER, VARCHAR(32),
 * JSONB, TIMESTAMP and DECIMAL(20,6), and detach leaves the schema as the DDL made it.
 */
class ExistingTargetSqliteIT {
    @TempDir
    Path dir;

    @Test
    void aMigrationOwnedTargetIsFilledThenTakenOverAndDetached() throws Exception {
        ExistingTarget target = new ExistingTarget(TestServers.newDatabase("existing_sqlite"));
        Path db = dir.resolve("experiments.db");
        String sourceUrl = "jdbc:sqlite:" + db + "?busy_timeout=10000";
        try (Connection c = DriverManager.getConnection(sourceUrl); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE experiments (id INTEGER PRIMARY KEY, name TEXT NOT NULL, config TEXT, created_at DATETIME NOT NULL, "
                    + "active BOOLEAN NOT NULL DEFAULT 1)");
            s.execute("CREATE TABLE metrics (experiment_id INTEGER NOT NULL REFERENCES experiments (id), step INTEGER NOT NULL, "
                    + "recorded_at DATETIME NOT NULL, value REAL, price REAL, PRIMARY KEY (experiment_id, step))");
        }
        ExistingTarget.seed(sourceUrl);
        SqliteScenario scenario = new SqliteScenario(dir, "existing", db, List.of("experiments", "metrics"), target.url(), ExistingTarget.OPTIONS);
        target.fillUseAndDetach(scenario.file, scenario.config, sourceUrl);
    }
}
