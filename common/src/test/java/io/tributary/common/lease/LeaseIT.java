package io.tributary.common.lease;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.Secret;
import io.tributary.testkit.TestServers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leases that keep one capture instance active per source: against a real PostgreSQL (an advisory lock
 * that dies with its session) and real processes (a file lock that dies with its process, as on kill -9).
 */
class LeaseIT {
    @TempDir
    Path dir;

    @Test
    void aPostgresLeaseIsHeldByOneInstanceAndFreedWhenItsSessionDies() throws Exception {
        String url = TestServers.newDatabase("lease_src");
        try (PostgresLease active = new PostgresLease("monolith", url, "postgres", Secret.NONE);
             PostgresLease standby = new PostgresLease("monolith", url, "postgres", Secret.NONE);
             PostgresLease otherSource = new PostgresLease("billing", url, "postgres", Secret.NONE)) {
            assertTrue(active.tryAcquire(), "the first instance takes the lease");
            assertFalse(standby.tryAcquire(), "a second instance of the same source is refused");
            assertTrue(otherSource.tryAcquire(), "another source's lease is its own");
            assertTrue(active.tryAcquire() && active.held(), "trying again keeps it");

            try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
                // the active instance's process dies: its session ends as the server sees the socket close
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tributary-capture-lease' "
                        + "AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = hashtext('monolith')::oid)");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !active.held());
            assertTrue(standby.tryAcquire(), "the standby takes over once the active session is gone");
            assertFalse(active.tryAcquire(), "the old instance, back, is now the standby");
        }
    }

    @Test
    void aFileLeaseIsHeldByOneProcessAndFreedByKillDashNine() throws Exception {
        Path db = dir.resolve("experiments.db");
        Files.writeString(db, "");
        Process holder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), FileLeaseHolder.class.getName(), db.toString())).redirectErrorStream(true).start();
        try (FileLease lease = new FileLease(db)) {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream()));
            assertEquals("held", CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }).get(60, TimeUnit.SECONDS), "the other process took the lease");
            assertFalse(lease.tryAcquire(), "refused while another process holds the lock file");

            holder.destroyForcibly(); // SIGKILL: no shutdown hook, no release
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
            await().atMost(Duration.ofSeconds(10)).until(lease::tryAcquire);
            assertTrue(lease.held());
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void aSecondInstanceInTheSameJvmIsRefusedWithoutFreeingTheFirst() throws Exception {
        Path db = dir.resolve("orders.db");
        try (FileLease first = new FileLease(db); FileLease second = new FileLease(db)) {
            assertTrue(first.tryAcquire());
            assertFalse(second.tryAcquire());
            assertTrue(first.held(), "the refused attempt did not drop the first instance's lock");
            second.close();
            assertTrue(first.held(), "closing a refused instance drops nothing");
            first.close();
            assertTrue(second.tryAcquire(), "free again once the first gives it up");
        }
    }

    @Test
    void allOrNone() throws Exception {
        Path a = dir.resolve("a.db");
        Path b = dir.resolve("b.db");
        try (FileLease taken = new FileLease(b); Lease both = Lease.allOf(List.of(new FileLease(a), new FileLease(b)));
             FileLease probe = new FileLease(a)) {
            assertTrue(taken.tryAcquire());
            assertFalse(both.tryAcquire(), "one of the two is held elsewhere");
            assertTrue(probe.tryAcquire(), "the one it could take was given back");
            probe.close();
            taken.close();
            assertTrue(both.tryAcquire());
            assertTrue(both.held());
        }
    }
}
