package io.tributary.ops;

import static io.tributary.ops.Instances.isStandby;
import static io.tributary.ops.Instances.matches;
import static io.tributary.ops.PostgresScenario.await;
import static io.tributary.ops.PostgresScenario.sql;
import static io.tributary.ops.PostgresScenario.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.schemas.kafka.Topics;
import io.tributary.testkit.TestServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 14's "more than one machine": topics of 4 partitions, two transform and two sink instances sharing
 * them in their consumer groups, two capture instances (one active, one standby), each a process of its own
 * ({@link ChildDeployable}). While an application keeps inserting, updating and deleting, the table is
 * re-snapshotted (a new generation), one transform and one sink instance are killed with SIGKILL during the
 * re-snapshot, and then the active capture: the standby takes over. The target must end equal to the source
 * (reconcile: nothing lost, nothing twice), the row the target had and the source had not must be gone (the
 * generation marker applied), and a reader of the target must never have seen the table empty.
 */
class ScaleOutIT {
    private static final int ROWS = 3000;

    @TempDir
    Path dir;

    @Test
    void fourPartitionsTwoInstancesEachKillsUnderLoadAndAResnapshotEndExact() throws Exception {
        PostgresScenario pg = new PostgresScenario(dir, "scale");
        sql(pg.sourceUrl, "CREATE TABLE items (id bigint PRIMARY KEY, v text NOT NULL); "
                + "INSERT INTO items SELECT g, 'v0' FROM generate_series(1, " + ROWS + ") g");
        int[][] ports = {{ChildDeployable.freePort(), ChildDeployable.freePort(), ChildDeployable.freePort()},
                {ChildDeployable.freePort(), ChildDeployable.freePort(), ChildDeployable.freePort()}};
        Path fileA = Instances.pipeline(dir.resolve("a.yaml"), pg, "items", 4, ports[0][0], ports[0][1], ports[0][2]);
        Path fileB = Instances.pipeline(dir.resolve("b.yaml"), pg, "items", 4, ports[1][0], ports[1][1], ports[1][2]);
        PipelineConfig config = PipelineConfigLoader.load(fileA, Map.of());
        Path logs = Files.createDirectories(Path.of("target", "scale-logs", pg.source)); // kept after the run, for a failure's story
        Path logsA = Files.createDirectories(logs.resolve("a"));
        Path logsB = Files.createDirectories(logs.resolve("b"));
        ChildDeployable captureA = new ChildDeployable("capture-postgres", fileA, logsA, ports[0][0]);
        ChildDeployable captureB = new ChildDeployable("capture-postgres", fileB, logsB, ports[1][0]);
        ChildDeployable transformA = new ChildDeployable("transform", fileA, logsA, ports[0][1]);
        ChildDeployable transformB = new ChildDeployable("transform", fileB, logsB, ports[1][1]);
        ChildDeployable sinkA = new ChildDeployable("sink", fileA, logsA, ports[0][2]);
        ChildDeployable sinkB = new ChildDeployable("sink", fileB, logsB, ports[1][2]);
        List<ChildDeployable> all = List.of(captureA, captureB, transformA, transformB, sinkA, sinkB);
        System.out.println("ScaleOutIT deployables' logs: " + logs.toAbsolutePath());
        List<ChildDeployable> down = new ArrayList<>();
        try (AutoCloseable stopAll = () -> { for (ChildDeployable d : all) { d.close(); } }) {
            captureA.start();
            await(() -> supervised(all, down) && captureA.ready(), Duration.ofSeconds(300), "the first capture instance is active");
            captureB.start();
            await(() -> supervised(all, down) && isStandby(captureB), Duration.ofSeconds(300), "the second capture waits as a standby");
            for (ChildDeployable d : List.of(transformA, transformB, sinkA, sinkB)) { // one at a time: a loaded machine starts them slowly
                d.start();
                await(() -> supervised(all, down) && d.ready(), Duration.ofSeconds(300), d.name() + " is ready");
            }
            List<TableReport> last = new ArrayList<>();
            await(() -> supervised(all, down) && matches(config, last), Duration.ofSeconds(600), "the first snapshot arrives: " + last);
            assertEquals(List.of(4, 4), partitions(Topics.perTable(config.sources().get(0).tables().get(0)), pg.source + "-svc.items"));
            await(() -> supervised(all, down) && isStandby(captureB) && transformA.ready() && transformB.ready() && sinkA.ready() && sinkB.ready(),
                    Duration.ofSeconds(180), "a standby capture, and both transform and sink instances at work");
            long before = pg.appliedGeneration("items");
            // a row of the current generation the source does not have (deleted while nobody watched): the
            // re-snapshot's marker must take it away
            sql(pg.targetUrl, "INSERT INTO items SELECT 900000, 'gone', " + Bookkeeping.POSITION + " FROM items WHERE id = 8");

            try (Workload app = new Workload(pg.sourceUrl, ROWS, "items"); TargetReader reader = new TargetReader(pg.targetUrl, "items")) {
                await(() -> supervised(all, down) && app.transactions() > 100, Duration.ofSeconds(120), "the application writes");
                CompletableFuture<String> resnapshot = CompletableFuture.supplyAsync(() -> resnapshot(fileA, pg.source));
                await(() -> supervised(all, down) && (app.transactions() > 250 || resnapshot.isDone()), Duration.ofSeconds(120),
                        "the application writes on");
                transformA.kill();
                sinkA.kill();
                down.addAll(List.of(transformA, sinkA));
                System.out.println("ScaleOutIT: killed one transform and one sink at transaction " + app.transactions()
                        + (resnapshot.isDone() ? ", after the re-snapshot" : ", during the re-snapshot"));
                assertEquals("0", resnapshot.get(300, TimeUnit.SECONDS).lines().findFirst().orElse(""), "resnapshot --wait");
                await(() -> supervised(all, down) && pg.appliedGeneration("items") > before, Duration.ofSeconds(300),
                        "the new generation applied by the remaining sink instance");

                long atKill = app.transactions();
                captureA.kill();
                down.add(captureA);
                long killed = System.nanoTime();
                await(() -> captureB.status() != null && !isStandby(captureB), Duration.ofSeconds(120),
                        "the standby capture takes the lease\n" + captureB.logTail(20));
                System.out.printf("ScaleOutIT: the standby capture took over %.1f s after the kill%n", (System.nanoTime() - killed) / 1e9);
                await(() -> supervised(all, down) && app.transactions() > atKill + 200 && captureB.ready(), Duration.ofSeconds(180),
                        "the application writes on while the new active capture streams");
                app.close();
                await(() -> supervised(all, down) && matches(config, last), Duration.ofSeconds(600), "the target equals the source: " + last);
                reader.close();
                assertNull(reader.failure.get(), "the reader's queries failed");
                assertTrue(reader.lowest.get() > 0, "a reader saw items empty");
            }
            assertNull(value(pg.targetUrl, "SELECT v FROM items WHERE id = 900000"), "the row the source does not have is gone");
            assertTrue(captureB.exitCode() < 0 && transformB.exitCode() < 0 && sinkB.exitCode() < 0, "the survivors run");
        }
    }

    /** {@code tributary resnapshot --wait} of the table: the exit code, then what it printed. */
    private static String resnapshot(Path file, String source) {
        StringWriter out = new StringWriter();
        CommandLine cli = TributaryCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        int exit = cli.execute("resnapshot", "--config", file.toString(), "--source", source, "--table", "public.items", "--wait", "--timeout", "280");
        return exit + "\n" + out;
    }

    private static List<Integer> partitions(String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()))) {
            var described = admin.describeTopics(List.of(topics)).allTopicNames().get(30, TimeUnit.SECONDS);
            return java.util.Arrays.stream(topics).map(t -> described.get(t).partitions().size()).toList();
        }
    }

    /** Restarts a deployable that exited by itself (see {@link ChildDeployable#supervise}); always true, to chain in a condition. */
    private static boolean supervised(List<ChildDeployable> all, List<ChildDeployable> killed) throws Exception {
        ChildDeployable.supervise("ScaleOutIT", all, killed);
        return true;
    }

}
