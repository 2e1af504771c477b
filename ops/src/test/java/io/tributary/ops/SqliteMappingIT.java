package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A SQLite table mapped to another name, renamed and left-out columns and the key (symbol, time): see {@link MappedPrices}. */
class SqliteMappingIT {
    static final String DDL = "PRAGMA journal_mode = WAL;\nCREATE TABLE price_history (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, "
            + "date DATETIME NOT NULL, open_price REAL, close_price REAL, note TEXT)";

    @TempDir
    Path dir;

    @Test
    void theTargetFollowsInTheServicesShapeAndReconcileAndReplayReadThroughTheMapping() throws Exception {
        Path db = dir.resolve("prices.db");
        MappedPrices.seed("jdbc:sqlite:" + db, DDL);
        String target = TestServers.newDatabase("mapping_sqlite");
        SqliteScenario scenario = new SqliteScenario(dir, "maplite", db, "price_history", target, MappedPrices.OPTIONS);
        try (PipelineRunner runner = new PipelineRunner(scenario.file)) {
            scenario.awaitMatch(runner);
            MappedPrices.liveChanges("jdbc:sqlite:" + db);
            scenario.awaitMatch(runner);
            MappedPrices.assertTargetShape(target);
            MappedPrices.assertReconcileAndReplay(scenario.file, scenario.source + "-svc", target, TestServers.newDatabase("mapping_sqlite_replay"));
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }

    @Test
    void aSourceWithDuplicatesOfTheDeclaredKeyIsRefusedAtStart() throws Exception {
        Path db = dir.resolve("dupes.db");
        MappedPrices.seed("jdbc:sqlite:" + db, DDL);
        MappedPrices.execute("jdbc:sqlite:" + db, "INSERT INTO price_history VALUES (41, 'S1', '2024-01-01 00:00:00', 1, 2, 'twin of id 1')");
        SqliteScenario scenario = new SqliteScenario(dir, "mapdup", db, "price_history", TestServers.newDatabase("mapping_sqlite_dupes"),
                MappedPrices.OPTIONS);
        String refused = MappedPrices.refusedTransform(scenario.file);
        assertTrue(refused.startsWith("2\n"), refused);
        assertTrue(refused.contains("services[" + scenario.source + "-svc].options.price_history")
                && refused.contains("the key [symbol, time] (source columns [symbol, date]) of prices is not unique in main.price_history")
                && refused.contains("2 rows have symbol=S1, date=2024-01-01 00:00:00"), refused);
    }
}
