package io.tributary.common.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.common.lease.FileLease;
import io.tributary.common.lease.Lease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A deployable with a lease starts only once it holds it, waits as a standby meanwhile, and stops when it loses it. */
class AppRunnerStandbyTest {
    @TempDir
    Path dir;

    /** A deployable that records whether it was started, behind {@code lease}. */
    private static final class Leased implements Deployable {
        final Lease lease;
        final CountDownLatch started = new CountDownLatch(1);

        Leased(Lease lease) {
            this.lease = lease;
        }

        @Override
        public Lease lease() {
            return lease;
        }

        @Override
        public void start() {
            started.countDown();
        }

        @Override
        public boolean ready() {
            return started.getCount() == 0;
        }

        @Override
        public void close() {
        }
    }

    private Path pipeline() throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                kafka: { bootstrap: "127.0.0.1:9" }
                registry: { url: "http://127.0.0.1:9" }
                sources: [ { name: src, sqlite: { path: /x.db }, tables: [t] } ]
                services: [ { name: svc, target: { url: "jdbc:postgresql://127.0.0.1:9/x", user: u }, tables: [src.main.t] } ]
                http: { bind: 127.0.0.1, capture-sqlite: 0 }
                """);
        return file;
    }

    private static double standby(MeterRegistry m) {
        return m.get("tributary.standby").gauge().value();
    }

    @Test
    void waitsAsAStandbyWhileAnotherInstanceHoldsTheLeaseThenTakesOver() throws Exception {
        Path db = dir.resolve("app.db");
        Leased deployable = new Leased(new FileLease(db));
        AtomicReference<MeterRegistry> metrics = new AtomicReference<>();
        CountDownLatch stop = new CountDownLatch(1);
        String file = pipeline().toString();
        try (FileLease active = new FileLease(db)) {
            assertTrue(active.tryAcquire());
            CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> AppRunner.run("capture-sqlite",
                    new String[] {"--config", file}, List.of("source"), (c, o, m, p) -> {
                        metrics.set(m);
                        return deployable;
                    }, stop));
            await().atMost(Duration.ofSeconds(30)).until(() -> metrics.get() != null && metrics.get().find("tributary.standby").gauge() != null
                    && standby(metrics.get()) == 1.0);
            assertEquals(1, deployable.started.getCount(), "a standby does not start while the lease is held elsewhere");

            active.close(); // the active instance is gone
            assertTrue(deployable.started.await(30, TimeUnit.SECONDS), "the standby took over");
            assertEquals(0.0, standby(metrics.get()));
            stop.countDown();
            assertEquals(0, code.get(60, TimeUnit.SECONDS));
        }
        assertTrue(new FileLease(db).tryAcquire(), "the lease was given back on a clean stop");
    }

    @Test
    void stopsWithExitOneWhenItLosesItsLease() throws Exception {
        AtomicBoolean held = new AtomicBoolean(true);
        Lease lease = new Lease() {
            @Override
            public boolean tryAcquire() {
                return held.get();
            }

            @Override
            public boolean held() {
                return held.get();
            }

            @Override
            public String describe() {
                return "a test lease";
            }

            @Override
            public void close() {
            }
        };
        Leased deployable = new Leased(lease);
        String file = pipeline().toString();
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> AppRunner.run("capture-sqlite",
                new String[] {"--config", file}, List.of("source"), (c, o, m, p) -> deployable, new CountDownLatch(1)));
        assertTrue(deployable.started.await(30, TimeUnit.SECONDS));
        assertFalse(code.isDone());
        held.set(false); // e.g. its session to the source was cut
        assertEquals(1, code.get(60, TimeUnit.SECONDS), "never two active instances: the one that lost its lease stops");
    }
}
