package io.tributary.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A real schema registry: Apicurio Registry 3.0.9 (its prebuilt Quarkus app from Maven Central), started as
 * a child process on a free loopback port with in-memory storage. It serves the Confluent REST API under
 * {@code /apis/ccompat/v7}, which is what {@link #url()} returns.
 *
 * <p>The app is unpacked by the testkit build into {@code testkit/target/apicurio}; the system property
 * {@code tributary.apicurio.dir} overrides where it is looked for.
 */
public final class LocalRegistry implements AutoCloseable {
    private static final String RUNNER = "apicurio-registry-app-3.0.9-runner.jar";
    private final Path workDir;
    private final int port;
    private final List<String> storage;
    private Process process;

    private LocalRegistry(Path workDir, int port, List<String> storage) {
        this.workDir = workDir;
        this.port = port;
        this.storage = storage;
    }

    /** A registry with in-memory storage: its schemas are gone when it stops. */
    public static LocalRegistry start(Path workDir) throws IOException, InterruptedException {
        return start(workDir, List.of());
    }

    /**
     * A registry that keeps its schemas in the PostgreSQL database {@code jdbcUrl} (superuser {@code postgres},
     * trust authentication), so that {@link #stop()} and {@link #startAgain()} bring back the same ids on the
     * same port, as a production registry's restart does.
     */
    public static LocalRegistry startPersistent(Path workDir, String jdbcUrl) throws IOException, InterruptedException {
        return start(workDir, List.of("-Dapicurio.storage.kind=sql", "-Dapicurio.storage.sql.kind=postgresql",
                "-Dapicurio.datasource.url=" + jdbcUrl, "-Dapicurio.datasource.username=postgres", "-Dapicurio.datasource.password=postgres"));
    }

    /**
     * A registry with in-memory storage and extra Quarkus or Apicurio settings ({@code -Dkey=value}), e.g.
     * authentication or an HTTPS port; it counts as ready once its plain HTTP port answers, 401 included.
     */
    public static LocalRegistry start(Path workDir, java.util.Map<String, String> properties) throws IOException, InterruptedException {
        List<String> flags = new ArrayList<>();
        properties.forEach((k, v) -> flags.add("-D" + k + "=" + v));
        return start(workDir, flags);
    }

    private static LocalRegistry start(Path workDir, List<String> storage) throws IOException, InterruptedException {
        LocalRegistry registry = new LocalRegistry(workDir, freePort(), storage);
        registry.startAgain();
        return registry;
    }

    /** Starts the registry (again, after {@link #stop()}) on its port and waits until it answers. */
    public void startAgain() throws IOException, InterruptedException {
        Path app = appDir().orElseThrow(() -> new IllegalStateException(
                "Apicurio Registry app not found (looked for " + RUNNER + " in -Dtributary.apicurio.dir and "
                        + "testkit/target/apicurio); run `mvn -pl testkit generate-resources` to unpack it"));
        Files.createDirectories(workDir);
        Path log = workDir.resolve("registry.log");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.management.enabled=false",
                "-Dquarkus.log.level=WARN"));
        cmd.addAll(storage);
        cmd.addAll(List.of("-jar", app.resolve(RUNNER).toString()));
        process = new ProcessBuilder(cmd)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        try {
            awaitReady(Duration.ofSeconds(120), log);
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Stops the registry as an operator's restart does (SIGTERM, then SIGKILL after 10 s). */
    public void stop() {
        close();
    }

    /** Base URL of the Confluent-compatible API. */
    public String url() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    public int port() {
        return port;
    }

    /** Whether the app is unpacked where {@link #start} looks for it. */
    public static boolean available() {
        return appDir().isPresent();
    }

    public long pid() {
        return process.pid();
    }

    private void awaitReady(Duration timeout, Path log) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Apicurio Registry exited with code " + process.exitValue()
                        + " during start; see " + log);
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/subjects"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 || r.statusCode() == 401) {
                    return;
                }
            } catch (IOException notYetListening) {
                // the port opens late in Quarkus start-up; keep waiting until the deadline
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("Apicurio Registry not ready after " + timeout.toSeconds() + " s; see " + log);
    }

    static Optional<Path> appDir() {
        String prop = System.getProperty("tributary.apicurio.dir");
        if (prop != null && Files.exists(Path.of(prop, RUNNER))) {
            return Optional.of(Path.of(prop));
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("testkit/target/apicurio");
            if (Files.exists(candidate.resolve(RUNNER))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    public static int freePort() throws IOException {
        return Ports.free();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
