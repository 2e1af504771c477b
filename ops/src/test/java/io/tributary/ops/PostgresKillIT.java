package io.tributary.ops;

import static io.tributary.ops.PostgresScenario.await;
import static io.tributary.ops.PostgresScenario.sql;
import static io.tributary.testkit.TestServers.endOffset;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.capture.postgres.PostgresCaptureApp;
import io.tributary.testkit.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * capture-postgres killed with SIGKILL (a process of its own, {@code destroyForcibly}: no engine stop, no
 * offset commit, no producer flush) during the initial snapshot and again while streaming, with two
 * application threads changing random existing rows all along (pgbench-style: insert, update, delete per
 * transaction). After the last restart the target must equal the source, every column of every row: a
 * snapshot row that overwrote a newer streamed value, or a change lost between the last committed offset
 * and the kill, would leave a row that differs.
 */
class PostgresKillIT {
    @TempDir
    Path dir;

    @Test
    void killedDuringTheSnapshotAndWhileStreamingUnderAWorkloadTheTargetEndsEqual() throws Exception {
        PostgresScenario pg = new PostgresScenario(dir, "kill9");
        sql(pg.sourceUrl, """
                CREATE TABLE accounts (id bigint PRIMARY KEY, v text NOT NULL);
                INSERT INTO accounts SELECT g, 'v0' FROM generate_series(1, 150000) g;
                CREATE TABLE tellers (id bigint PRIMARY KEY, v text NOT NULL);
                INSERT INTO tellers SELECT g, 'v0' FROM generate_series(1, 2000) g;
                """);
        pg.pipeline("accounts", "tellers");
        try (PipelineRunner runner = new PipelineRunner(pg.file, Set.of("capture-postgres"));
             Workload a = new Workload(pg.sourceUrl, 150000, "accounts", "tellers");
             Workload b = new Workload(pg.sourceUrl, 2000, "accounts", "tellers")) {
            String topic = pg.source + ".public.accounts";
            try (ChildJvm capture = startCapture(pg, "1")) {
                await(() -> endOffset(topic) > 10_000, Duration.ofSeconds(180), "the initial snapshot under way");
                long atKill = endOffset(topic);
                capture.kill();
                assertTrue(atKill < 150_000, "killed before the snapshot ended: " + atKill + " records");
            }

            try (ChildJvm capture = startCapture(pg, "2")) {
                long before = a.transactions() + b.transactions();
                await(() -> pg.targetCount("tellers") > 0 && a.transactions() + b.transactions() > before + 200 && streamed(pg),
                        Duration.ofSeconds(300), "the restarted capture streaming the workload's changes");
                capture.kill();
            }

            try (ChildJvm capture = startCapture(pg, "3")) {
                long again = a.transactions() + b.transactions();
                await(() -> a.transactions() + b.transactions() > again + 200, Duration.ofSeconds(120), "more of the workload after the last restart");
                a.close();
                b.close();
                pg.awaitMatch(runner);
            }
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }

    /** capture-postgres as a process of its own, to be killed with SIGKILL; its output goes to capture-{@code run}.log in the test's folder. */
    private ChildJvm startCapture(PostgresScenario pg, String run) throws Exception {
        return ChildJvm.start(PostgresCaptureApp.class, dir.resolve("capture-" + run + ".log"), "--config", pg.file.toString());
    }

    /** Whether the target holds a row the workload inserted (ids far above the seeded ones): streaming has reached it. */
    private static boolean streamed(PostgresScenario pg) throws Exception {
        String n = PostgresScenario.value(pg.targetUrl, "SELECT count(*) FROM accounts WHERE id > 1000000");
        return n != null && Long.parseLong(n) > 0;
    }
}
