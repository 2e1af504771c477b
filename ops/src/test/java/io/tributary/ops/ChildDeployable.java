package io.tributary.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One deployable ({@code capture-postgres}, {@code transform}, {@code sink}) in a JVM of its own, started
 * through {@link Main} with this test's classpath, so that it can be killed as {@code kill -9} kills it
 * ({@link #kill()}: SIGKILL, no shutdown hook, no commit, no close). Its output goes to {@code <name>.log}.
 */
final class ChildDeployable implements AutoCloseable {
    private final String name;
    private final Path pipeline;
    private final Path log;
    private Process process;
    private int starts;

    private final int httpPort;

    /** {@code httpPort} is the deployable's port under {@code http:} in the pipeline file. */
    ChildDeployable(String name, Path pipeline, Path logDir, int httpPort) {
        this.name = name;
        this.pipeline = pipeline;
        this.log = logDir.resolve(name + ".log");
        this.httpPort = httpPort;
    }

    /** A port free on this host now, for a deployable's {@code http:} entry. */
    static int freePort() throws IOException {
        return io.tributary.testkit.Ports.free();
    }

    /** Whether it answers 200 on {@code /health/ready}: doing its job (streams running, sink assigned, capture started). */
    boolean ready() {
        return get("/health/ready") != null;
    }

    /** Its {@code GET /status} JSON, or null while it does not answer. */
    String status() {
        return get("/status");
    }

    /** The body of a 200 answer to {@code GET path} on its HTTP port; null otherwise (not listening yet, not ready). */
    private String get(String path) {
        try {
            var client = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(2)).build();
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(java.time.Duration.ofSeconds(2)).build();
            var response = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        } catch (IOException notListeningYet) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    void start() throws IOException {
        starts++;
        Files.writeString(log, "---- start " + starts + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName(), name, "--config", pipeline.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** SIGKILL, then waits (at most 30 s) until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") still alive 30 s after SIGKILL");
        }
    }

    /** The exit code once it has ended, else -1 while it runs. */
    int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** The last {@code lines} lines of its log that are not stack frames. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log).stream().filter(l -> !l.startsWith("\tat ") && !l.startsWith("\t... ")).toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    String name() {
        return name;
    }

    /**
     * Acts as the deployables' supervisor (a container's restart policy): one of {@code all} that has exited by
     * itself (code 2: a server it needs was unreachable at start, as happens on a loaded machine; 1: it stopped on
     * a fault, e.g. the registry unreachable while it had a schema to register) is started again, and the exit is
     * printed under {@code test}'s name, so that a run tells what the faults did; those in {@code killed} stay
     * down. Whether anything was lost is what the end of a test checks.
     */
    static void supervise(String test, List<ChildDeployable> all, List<ChildDeployable> killed) throws IOException {
        for (ChildDeployable d : all) {
            int code = killed.contains(d) || d.process == null ? -1 : d.exitCode();
            if (code >= 0) {
                System.out.println(test + ": " + d.name() + " exited by itself with code " + code + " (" + d.lastProblem()
                        + "); the supervisor starts it again");
                d.start();
            }
        }
    }

    private String lastProblem() {
        return logTail(12).lines().filter(l -> l.contains("ERROR") || l.contains("unreachable") || l.contains("did not answer"))
                .reduce((a, b) -> b).orElse(logTail(1));
    }

    /** SIGTERM, as an operator stops it; SIGKILL if it has not stopped within 60 s. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
