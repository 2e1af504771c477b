package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL table mapped to another name, renamed and left-out columns and the key (symbol, time): see
 * {@link MappedPrices}. Re-keyed, so the source table needs REPLICA IDENTITY FULL (the old key values of an update
 * and of a delete).
 */
class PostgresMappingIT {
    static final String DDL = "CREATE TABLE price_history (id bigint PRIMARY KEY, symbol text NOT NULL, date timestamptz NOT NULL, "
            + "open_price double precision, close_price double precision, note text)";

    @TempDir
    Path dir;

    @Test
    void theTargetFollowsInTheServicesShapeAndReconcileAndReplayReadThroughTheMapping() throws Exception {
        PostgresScenario scenario = new PostgresScenario(dir, "mappg");
        MappedPrices.seed(scenario.sourceUrl, DDL + ";\nALTER TABLE price_history REPLICA IDENTITY FULL");
        scenario.pipelineWith(MappedPrices.OPTIONS, "price_history");
        try (PipelineRunner runner = new PipelineRunner(scenario.file)) {
            scenario.awaitMatch(runner);
            MappedPrices.liveChanges(scenario.sourceUrl);
            scenario.awaitMatch(runner);
            MappedPrices.assertTargetShape(scenario.targetUrl);
            MappedPrices.assertReconcileAndReplay(scenario.file, scenario.source + "-svc", scenario.targetUrl,
                    TestServers.newDatabase("mapping_pg_replay"));
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }

    @Test
    void duplicatesOfTheDeclaredKeyAndAMissingReplicaIdentityAreRefusedAtStart() throws Exception {
        PostgresScenario scenario = new PostgresScenario(dir, "mappgdup");
        MappedPrices.seed(scenario.sourceUrl, DDL);
        MappedPrices.execute(scenario.sourceUrl, "INSERT INTO price_history VALUES (41, 'S1', '2024-01-01 00:00:00+00', 1, 2, 'twin of id 1')");
        scenario.pipelineWith(MappedPrices.OPTIONS, "price_history");
        String refused = MappedPrices.refusedTransform(scenario.file);
        assertTrue(refused.startsWith("2\n"), refused);
        assertTrue(refused.contains("services[" + scenario.source + "-svc].options.price_history")
                && refused.contains("the key [symbol, time] (source columns [symbol, date]) of prices is not unique in public.price_history")
                && refused.contains("2 rows have symbol=S1, date="), refused);
        assertTrue(refused.contains("REPLICA IDENTITY is not FULL") && refused.contains("ALTER TABLE public.price_history REPLICA IDENTITY FULL"), refused);
    }
}
