package io.tributary.ops.local.bench;

import io.tributary.ops.JvmBudget;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The deployables of a benchmark, each in a JVM of its own as an operator runs them ({@code io.tributary.ops.Main
 * <deployable> --config F}, the classpath of this JVM, the heap given), with their /metrics on ports chosen here.
 * Reads what each stage has done from its own /metrics, and each process's peak resident memory from
 * {@code /proc/<pid>/status} (VmHWM, Linux).
 */
final class Deployables implements AutoCloseable {
    /** A stage of the pipeline: its deployable and the counter that says how many events it has handled. */
    enum Stage {
        CAPTURE_SQLITE("capture-sqlite", "tributary_capture_events_total", null),
        CAPTURE_POSTGRES("capture-postgres", "tributary_capture_events_total", null),
        TRANSFORM("transform", "tributary_transform_events_total", null),
        SINK("sink", "tributary_sink_rows_total", "outcome=\"applied\"");

        final String deployable;
        final String counter;
        final String label;

        Stage(String deployable, String counter, String label) {
            this.deployable = deployable;
            this.counter = counter;
            this.label = label;
        }
    }

    private record Running(Process process, int port, Path log) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<Stage, Integer> ports = new LinkedHashMap<>();
    private final Map<Stage, Running> running = new LinkedHashMap<>();
    private final Path dir;
    private final String heap;
    private final Path profiles;

    /**
     * Chooses a free port per stage; nothing runs yet ({@link #httpYaml} goes into the pipeline file first). Each
     * deployable runs with {@code -Xmx<heap>} when {@code heap} is given, else with its own JVM budget
     * ({@link JvmBudget}); with a flight recording into {@code profiles/<deployable>.jfr} when {@code profiles} is given.
     */
    Deployables(Path dir, String heap, Path profiles, List<Stage> stages) throws IOException {
        this.dir = dir;
        this.heap = heap;
        this.profiles = profiles;
        for (Stage s : stages) {
            try (ServerSocket socket = new ServerSocket(0)) {
                ports.put(s, socket.getLocalPort());
            }
        }
    }

    /** The pipeline file's {@code http:} section for these stages. */
    String httpYaml() {
        StringBuilder y = new StringBuilder("http: { bind: 127.0.0.1");
        ports.forEach((s, p) -> y.append(", ").append(s.deployable).append(": ").append(p));
        return y.append(" }\n").toString();
    }

    List<Stage> stages() {
        return List.copyOf(ports.keySet());
    }

    /** Starts every stage's deployable on {@code pipeline}, logs to a file each. */
    void start(Path pipeline) throws IOException {
        for (Stage s : ports.keySet()) {
            Path log = dir.resolve(s.deployable + ".log");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(heap != null ? List.of("-Xmx" + heap) : JvmBudget.flags(s.deployable));
            if (profiles != null) {
                cmd.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + profiles.resolve(s.deployable + ".jfr"));
            }
            cmd.addAll(List.of("-Dlog4j2.configurationFile=classpath:tributary-log4j2.xml", "-cp", System.getProperty("java.class.path"),
                    "io.tributary.ops.Main", s.deployable, "--config", pipeline.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            running.put(s, new Running(p, ports.get(s), log));
        }
    }

    /** Events handled so far by {@code stage}, from its /metrics; -1 while it does not answer yet. */
    long count(Stage stage) {
        Running r = running.get(stage);
        try {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) {
                return -1;
            }
            return sum(res.body(), stage.counter, stage.label);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The sum of every sample of {@code counter} (with {@code label} among its labels, when given) in a Prometheus text page. */
    static long sum(String page, String counter, String label) {
        double total = 0;
        for (String line : page.split("\n")) {
            if (!line.startsWith(counter + "{") && !line.startsWith(counter + " ")) {
                continue;
            }
            if (label != null && !line.contains(label)) {
                continue;
            }
            if (line.contains("table=\"*\"") && label != null) {
                continue; // the sink's all-tables series repeats the per-table ones for some outcomes
            }
            total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return (long) total;
    }

    /** The deployable that has exited, with its code and last log lines, or null while all run. */
    String failure() throws IOException {
        for (Map.Entry<Stage, Running> e : running.entrySet()) {
            Process p = e.getValue().process;
            if (!p.isAlive()) {
                List<String> lines = Files.readAllLines(e.getValue().log);
                return e.getKey().deployable + " exited with code " + p.exitValue() + "; its log ends:\n  "
                        + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
            }
        }
        return null;
    }

    /** Peak resident memory (VmHWM) of each deployable's process, in MiB, read while they still run. */
    Map<String, Long> peakRssMb() throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<Stage, Running> e : running.entrySet()) {
            Path status = Path.of("/proc", String.valueOf(e.getValue().process.pid()), "status");
            long kb = -1;
            if (Files.isReadable(status)) {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmHWM:")) {
                        kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            }
            out.put(e.getKey().deployable, kb < 0 ? -1 : kb / 1024);
        }
        return out;
    }

    /** Stops every deployable as SIGTERM does; kills what has not ended within 30 s. */
    @Override
    public void close() throws InterruptedException {
        running.values().forEach(r -> r.process.destroy());
        for (Running r : running.values()) {
            if (!r.process.waitFor(30, TimeUnit.SECONDS)) {
                r.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
