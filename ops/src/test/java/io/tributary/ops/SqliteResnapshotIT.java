package io.tributary.ops;

import static io.tributary.ops.PostgresScenario.await;
import static io.tributary.ops.PostgresScenario.sql;
import static io.tributary.ops.PostgresScenario.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.testkit.TestServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tributary resnapshot} of one table of a SQLite source, end to end, while the application keeps
 * inserting, updating and deleting: a new generation of that table alone, taken at an exact WAL position;
 * the target ends exact (a value changed behind the sink's back corrected, a row the source does not have
 * gone), a reader never sees the table empty, and the other table keeps its generation.
 */
class SqliteResnapshotIT {
    @TempDir
    Path dir;

    @Test
    void resnapshotOfOneSqliteTableUnderALiveWorkloadEndsExact() throws Exception {
        Path db = dir.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
            s.execute("CREATE TABLE other (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
            s.execute("WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 500) INSERT INTO runs SELECT v, 'r' FROM n");
            s.execute("WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 50) INSERT INTO other SELECT v, 'o' FROM n");
        }
        String target = TestServers.newDatabase("it_sqlite_resnap_dst");
        String source = "literesnap" + Long.toHexString(System.nanoTime());
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, """
                kafka: { bootstrap: "%s" }
                registry: { url: "%s" }
                sources:
                  - name: %s
                    sqlite: { path: "%s", poll-interval: 20ms }
                    tables: [runs, other]
                services:
                  - name: %s-svc
                    target: { url: "%s", user: postgres }
                    tables: [%s.main.runs, %s.main.other]
                """.formatted(TestServers.kafkaBootstrap(), TestServers.registryUrl(), source, db, source, target, source, source));
        PipelineConfig config = PipelineConfigLoader.load(file, Map.of());
        try (PipelineRunner runner = new PipelineRunner(file)) {
            awaitMatch(runner, config);
            long runsBefore = generation(target, "runs");
            long otherBefore = generation(target, "other");
            sql(target, "UPDATE runs SET v = 'stale' WHERE id = 7; INSERT INTO runs SELECT 900000, 'gone', " + Bookkeeping.POSITION
                    + " FROM runs WHERE id = 8");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit;
            try (App app = new App(db); TargetReader reader = new TargetReader(target, "runs")) {
                CommandLine cli = TributaryCommand.commandLine();
                cli.setOut(new PrintWriter(out, true));
                cli.setErr(new PrintWriter(err, true));
                exit = cli.execute("resnapshot", "--config", file.toString(), "--source", source, "--table", "runs", "--wait", "--timeout", "180");
                await(() -> generation(target, "runs") > runsBefore, Duration.ofSeconds(120), "the new generation of runs applied in the target");
                app.close();
                awaitMatch(runner, config);
                reader.close();
                assertTrue(app.transactions.get() > 0, "the application wrote during the resnapshot");
                assertTrue(reader.polls.get() > 10, "the reader polled throughout: " + reader.polls.get());
                assertNull(reader.failure.get(), "the reader's queries failed");
                assertTrue(reader.lowest.get() > 0, "a reader saw runs empty");
            }
            assertEquals(0, exit, "out: " + out + " err: " + err);
            assertTrue(out.toString().contains("complete: generation"), out.toString());
            assertNotEquals("stale", value(target, "SELECT v FROM runs WHERE id = 7"), "the stale row is corrected");
            assertNull(value(target, "SELECT v FROM runs WHERE id = 900000"), "the row the source does not have is gone");
            assertEquals(otherBefore, generation(target, "other"), "the other table keeps its generation");
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }

    private static void awaitMatch(PipelineRunner runner, PipelineConfig config) throws Exception {
        List<io.tributary.ops.reconcile.TableReport> last = runner.awaitMatch(config, Duration.ofSeconds(180));
        assertTrue(last.stream().allMatch(io.tributary.ops.reconcile.TableReport::matches), "target did not match the source within 180 s: " + last);
    }

    private static long generation(String url, String table) throws Exception {
        String g = value(url, "SELECT generation FROM " + Bookkeeping.FLOOR + " WHERE table_name = '" + table + "'");
        return g == null ? Long.MIN_VALUE : Long.parseLong(g);
    }

    /** The application: small transactions inserting, updating and deleting rows of both tables, its connection open throughout. */
    private static final class App implements AutoCloseable {
        final AtomicLong transactions = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;
        private volatile boolean running = true;

        App(Path db) {
            thread = new Thread(() -> {
                long next = 1_000_000;
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
                    s.execute("PRAGMA busy_timeout = 10000");
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (running) {
                        s.execute("BEGIN");
                        for (String t : List.of("runs", "other")) {
                            s.execute("INSERT INTO " + t + " VALUES (" + next++ + ", 'new')");
                            s.execute("UPDATE " + t + " SET v = 'u" + next + "' WHERE id = " + random.nextInt(1, 500));
                            s.execute("DELETE FROM " + t + " WHERE id = " + random.nextInt(1, 500));
                        }
                        s.execute("COMMIT");
                        transactions.incrementAndGet();
                        LockSupport.parkNanos(Duration.ofMillis(5).toNanos()); // pacing the application, not waiting for anything
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, "sqlite-app");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws Exception {
            running = false;
            thread.join(30_000);
            if (failure.get() != null) {
                throw new IllegalStateException("the application failed: " + failure.get(), failure.get());
            }
        }
    }
}
