package io.tributary.ops;

import static io.tributary.ops.Instances.isStandby;
import static io.tributary.ops.Instances.matches;
import static io.tributary.ops.PostgresScenario.await;
import static io.tributary.ops.PostgresScenario.sql;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.ops.reconcile.TableReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's standby: two capture-postgres processes with one pipeline file (each its own HTTP port). One
 * becomes active, the other waits as a standby; the active one is killed with SIGKILL while an application
 * keeps writing, the standby takes over, and the target ends equal to the source: nothing lost, nothing
 * applied twice. Every deployable is a process of its own ({@link ChildDeployable}).
 */
class CaptureStandbyIT {
    @TempDir
    Path dir;

    @Test
    void aStandbyCaptureTakesOverWhenTheActiveOneIsKilledAndNothingIsLost() throws Exception {
        PostgresScenario pg = new PostgresScenario(dir, "standby");
        sql(pg.sourceUrl, "CREATE TABLE accounts (id bigint PRIMARY KEY, v text NOT NULL); "
                + "INSERT INTO accounts SELECT g, 'v0' FROM generate_series(1, 2000) g");
        int[] ports = {ChildDeployable.freePort(), ChildDeployable.freePort(), ChildDeployable.freePort(), ChildDeployable.freePort()};
        Path fileA = Instances.pipeline(dir.resolve("a.yaml"), pg, "accounts", 1, ports[0], ports[2], ports[3]);
        Path fileB = Instances.pipeline(dir.resolve("b.yaml"), pg, "accounts", 1, ports[1], ports[2], ports[3]);
        PipelineConfig config = PipelineConfigLoader.load(fileA, Map.of());
        ChildDeployable active = new ChildDeployable("capture-postgres", fileA, Files.createDirectories(dir.resolve("a")), ports[0]);
        ChildDeployable standby = new ChildDeployable("capture-postgres", fileB, Files.createDirectories(dir.resolve("b")), ports[1]);
        ChildDeployable transform = new ChildDeployable("transform", fileA, dir, ports[2]);
        ChildDeployable sink = new ChildDeployable("sink", fileA, dir, ports[3]);
        List<ChildDeployable> all = List.of(active, standby, transform, sink);
        try (AutoCloseable stopAll = () -> { for (ChildDeployable d : all) { d.close(); } }) {
            active.start();
            await(active::ready, Duration.ofSeconds(180), "the first capture instance is active");
            standby.start();
            await(() -> isStandby(standby), Duration.ofSeconds(180), "the second instance waits as a standby\n" + standby.logTail(20));
            transform.start();
            sink.start();
            List<TableReport> last = new ArrayList<>();
            await(() -> matches(config, last), Duration.ofSeconds(300), "the snapshot arrives: " + last);

            try (Workload app = new Workload(pg.sourceUrl, 2000, "accounts")) {
                await(() -> app.transactions() > 100, Duration.ofSeconds(120), "the application writes");
                assertTrue(!isStandby(active) && isStandby(standby), "still one active instance and one standby");
                active.kill();
                long killed = System.nanoTime();
                await(() -> standby.status() != null && !isStandby(standby), Duration.ofSeconds(120),
                        "the standby takes the lease after the active instance died\n" + standby.logTail(20));
                System.out.printf("CaptureStandbyIT: the standby took over %.1f s after the kill%n", (System.nanoTime() - killed) / 1e9);
                long atTakeover = app.transactions();
                await(() -> app.transactions() > atTakeover + 200 && standby.ready(), Duration.ofSeconds(180),
                        "the application goes on writing while the new active instance streams");
            }
            await(() -> matches(config, last), Duration.ofSeconds(300), "the target equals the source after the take-over: " + last);
            assertTrue(standby.exitCode() < 0 && transform.exitCode() < 0 && sink.exitCode() < 0, "nothing else stopped");
        }
    }
}
