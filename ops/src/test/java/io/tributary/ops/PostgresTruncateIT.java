package io.tributary.ops;

import static io.tributary.ops.PostgresScenario.await;
import static io.tributary.ops.PostgresScenario.sql;
import static io.tributary.ops.PostgresScenario.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TRUNCATE of a captured table empties the target table too, and what the application writes after it
 * arrives; the other tables are left alone. Before, Debezium skipped truncates (and the capture dropped any it
 * got): the target kept every row for ever and nothing said so.
 */
class PostgresTruncateIT {
    @TempDir
    Path dir;

    @Test
    void aTruncateEmptiesTheTargetTableAndLaterRowsArrive() throws Exception {
        PostgresScenario pg = new PostgresScenario(dir, "truncate");
        sql(pg.sourceUrl, """
                CREATE TABLE sessions (id bigint PRIMARY KEY, v text NOT NULL);
                INSERT INTO sessions SELECT g, 'old' FROM generate_series(1, 500) g;
                CREATE TABLE users (id bigint PRIMARY KEY, v text NOT NULL);
                INSERT INTO users SELECT g, 'u' FROM generate_series(1, 20) g;
                """);
        pg.pipeline("sessions", "users");
        try (PipelineRunner runner = new PipelineRunner(pg.file)) {
            pg.awaitMatch(runner);
            sql(pg.sourceUrl, "UPDATE sessions SET v = 'streamed' WHERE id <= 10");
            await(() -> "10".equals(value(pg.targetUrl, "SELECT count(*) FROM sessions WHERE v = 'streamed'")), Duration.ofSeconds(120),
                    "the stream applied before the truncate");
            sql(pg.sourceUrl, "TRUNCATE sessions; INSERT INTO sessions VALUES (7, 'after'), (9000, 'after')");
            await(() -> pg.targetCount("sessions") == 2, Duration.ofSeconds(120), "the target emptied, then the two rows written after the truncate");
            pg.awaitMatch(runner);
            assertEquals("after", value(pg.targetUrl, "SELECT v FROM sessions WHERE id = 7"));
            assertEquals(20, pg.targetCount("users"), "another table is left alone");
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }
}
