package io.tributary.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL with the TimescaleDB extension, for the tests of hypertable code. No registry reachable here
 * ships TimescaleDB, so this runs the machine's own PostgreSQL 15 server binaries ({@code pg_config
 * --bindir}) when TimescaleDB has been installed into them, as the {@code postgres} user (initdb refuses
 * root). {@link Scheduler#OFF} starts it without TimescaleDB's background job scheduler, for tests that need
 * policies to run at an exact moment ({@code CALL run_job(id)}) and nothing else to change the chunks
 * under them; {@link Scheduler#ON} gives it background workers, so policies run by themselves as in
 * production (TimescaleDB must be built against the server's own minor version: an extension built
 * with other headers can fail in its workers). {@link #unavailableReason()} says why TimescaleDB cannot
 * be started here, for tests to skip with.
 */
public final class LocalTimescale implements AutoCloseable {
    /** Whether TimescaleDB's background scheduler runs the jobs (policies) by itself. */
    public enum Scheduler { ON, OFF }

    private static final Path DEBIAN_BIN = Path.of("/usr/lib/postgresql/15/bin");
    private final Path bin;
    private final Path data;
    private final int port;

    private LocalTimescale(Path bin, Path data, int port) {
        this.bin = bin;
        this.data = data;
        this.port = port;
    }

    /** Null when TimescaleDB can be started here; otherwise why not. */
    public static String unavailableReason() {
        if ("true".equals(System.getenv("CI")) && !"1".equals(System.getenv("TRIBUTARY_TEST_TIMESCALE"))) {
            // a TimescaleDB found under CI was built by hand on that machine (no registry ships it); its
            // scheduler-on tests depend on the machine's load, so CI leaves them to the hand runs
            return "CI machines have no TimescaleDB (none of the reachable registries ships it); these tests are run by hand where it "
                    + "is built (TRIBUTARY_TEST_TIMESCALE=1 runs them under CI=true too; see docs/testing.md)";
        }
        Optional<Path> lib = libDir();
        if (lib.isEmpty()) {
            return "no PostgreSQL 15 server binaries found (pg_config)";
        }
        if (!Files.exists(lib.get().resolve("timescaledb.so"))) {
            return "the TimescaleDB extension is not installed in " + lib.get() + " (no package registry reachable here ships it; "
                    + "build it into the machine's PostgreSQL 15 or set TRIBUTARY_TEST_TIMESCALE_URL)";
        }
        return null;
    }

    /** A server without the background scheduler. */
    public static LocalTimescale start(Path dir) throws IOException, InterruptedException {
        return start(dir, Scheduler.OFF);
    }

    public static LocalTimescale start(Path dir, Scheduler scheduler) throws IOException, InterruptedException {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        // the postgres user must be able to reach the data directory through its parents
        for (Path p = dir.getParent(); p != null && p.getNameCount() > 1; p = p.getParent()) {
            var perms = Files.getPosixFilePermissions(p);
            perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
            Files.setPosixFilePermissions(p, perms);
        }
        Path data = dir.resolve("data");
        int port = LocalRegistry.freePort();
        run(List.of(DEBIAN_BIN.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "postgres", "--no-sync"));
        run(List.of(DEBIAN_BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-l", dir.resolve("server.log").toString(),
                "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c shared_preload_libraries=timescaledb "
                        + "-c timescaledb.telemetry_level=off -c timescaledb.max_background_workers=" + (scheduler == Scheduler.ON ? 8 : 0) + " -c fsync=off -c wal_level=logical -c max_worker_processes=16", "start"));
        return new LocalTimescale(DEBIAN_BIN, data, port);
    }

    /** JDBC URL of the superuser on {@code database}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    private static Optional<Path> libDir() {
        try {
            Process p = new ProcessBuilder(DEBIAN_BIN.resolve("pg_config").toString(), "--pkglibdir").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 ? Optional.of(Path.of(out)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Runs a server command, as the postgres user when this process is root. */
    private static void run(List<String> cmd) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("command failed: " + String.join(" ", full) + "\n" + out);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"));
    }
}
