package io.tributary.ops;

import static io.tributary.ops.PostgresScenario.await;
import static io.tributary.ops.PostgresScenario.sql;
import static io.tributary.ops.PostgresScenario.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.sql.Bookkeeping;
import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * capture-postgres's snapshots get generations, end to end on real servers: a snapshot read again after a
 * restart, and every later snapshot of a table, replaces what the earlier one left in the target (rows the
 * source changed or deleted meanwhile included), and only that table's.
 */
class PostgresGenerationsIT {
    @TempDir
    Path dir;

    /**
     * The capture dies during its initial snapshot (Kafka refuses the rows of the second table: its topic was
     * made with a tiny record limit), after the first table's rows reached the target; meanwhile the
     * application changes the last row and deletes another. The snapshot taken again on restart numbers its
     * rows from 1 again, so the changed row, one deleted row before it, gets a lower number than the first
     * time: without generations it lost to the stale copy, and the deleted row stayed in the target for ever.
     */
    @Test
    void aRestartDuringTheInitialSnapshotCorrectsWhatTheInterruptedOneLeft() throws Exception {
        PostgresScenario pg = new PostgresScenario(dir, "gen_restart");
        sql(pg.sourceUrl, """
                CREATE TABLE a_rows (id bigint PRIMARY KEY, v text NOT NULL);
                INSERT INTO a_rows SELECT g, 'v1' FROM generate_series(1, 5000) g;
                CREATE TABLE b_rows (id bigint PRIMARY KEY, v text NOT NULL);
                INSERT INTO b_rows SELECT g, 'b' FROM generate_series(1, 10) g;
                """);
        pg.pipeline("a_rows", "b_rows");
        String refusing = pg.source + ".public.b_rows";
        topicRecordLimit(refusing, "64");
        try (PipelineRunner runner = new PipelineRunner(pg.file)) {
            await(() -> runner.exitCodes().get("capture-postgres") >= 0, Duration.ofSeconds(120), "the capture to die on the refused rows");
            await(() -> pg.targetCount("a_rows") == 5000, Duration.ofSeconds(120), "the first table's snapshot rows in the target");
            String firstAttempt = value(pg.targetUrl, "SELECT max(" + Bookkeeping.POSITION + "[1]) FROM a_rows");
            sql(pg.sourceUrl, "UPDATE a_rows SET v = 'v2' WHERE id = 5000; DELETE FROM a_rows WHERE id = 2");
            topicRecordLimit(refusing, null);
            runner.start("capture-postgres"); // as its supervisor would
            pg.awaitMatch(runner);
            assertEquals("v2", value(pg.targetUrl, "SELECT v FROM a_rows WHERE id = 5000"), "the stale row is corrected");
            assertNull(value(pg.targetUrl, "SELECT v FROM a_rows WHERE id = 2"), "the row deleted meanwhile is gone");
            assertTrue(Long.parseLong(value(pg.targetUrl, "SELECT min(" + Bookkeeping.POSITION + "[1]) FROM a_rows")) > Long.parseLong(firstAttempt),
                    "every row now belongs to the snapshot taken again");
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }

    /** Creates {@code topic} with records limited to {@code bytes}, or removes the limit (null). */
    private static void topicRecordLimit(String topic, String bytes) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()))) {
            if (bytes != null) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("max.message.bytes", bytes)))).all().get(30, TimeUnit.SECONDS);
            } else {
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic),
                        List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE)))).all().get(30, TimeUnit.SECONDS);
            }
        }
    }
}
