package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Op;
import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gap case end to end: capture-sqlite is stopped, the application deletes and changes rows, checkpoints
 * with TRUNCATE and keeps writing; on restart the capture cannot prove continuity and resyncs: it sends only
 * the rows that changed (deletes included) in the same generation, and the target database is still exactly
 * the source, including the rows deleted while nobody was watching.
 */
class SqliteGapIT {
    @TempDir
    Path dir;

    @Test
    void afterAGapTheTargetIsStillExact() throws Exception {
        String ml = TestServers.newDatabase("gap_ml");
        Path db = dir.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL)");
            s.execute("WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 200) INSERT INTO runs SELECT v, 'run' || v, v * 0.5 FROM n");
        }
        SqliteScenario scenario = new SqliteScenario(dir, "gap", db, "runs", ml);
        try (PipelineRunner runner = new PipelineRunner(scenario.file)) {
            scenario.awaitMatch(runner);
            long firstGeneration = generation(ml, "min");
            String topic = scenario.source + ".main.runs";
            int before = PostgresScenario.events(topic).size();
            runner.stop("capture-sqlite");
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
                s.execute("DELETE FROM runs WHERE id % 3 = 0");
                s.execute("UPDATE runs SET score = -1 WHERE id % 5 = 0");
                s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)").close();
                s.execute("INSERT INTO runs VALUES (1000, 'while down', 1.5)");
            }
            runner.start("capture-sqlite");
            scenario.awaitMatch(runner);
            assertEquals(135L, count(ml), "200 rows, 66 deleted while down, 1 added");
            assertEquals(firstGeneration, generation(ml, "max"), "no new generation: nothing for the sink to sweep");
            List<ChangeEvent> resync = PostgresScenario.events(topic).subList(before, PostgresScenario.events(topic).size());
            assertEquals(66 + 27 + 1, resync.size(), "only the changed rows were sent: 66 deletes, 27 updates of rows kept, 1 insert");
            assertEquals(66, resync.stream().filter(e -> e.op() == Op.DELETE).count());
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }

    private static long generation(String url, String agg) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + agg + "(" + Bookkeeping.POSITION + "[1]) FROM runs")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long count(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM runs")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
