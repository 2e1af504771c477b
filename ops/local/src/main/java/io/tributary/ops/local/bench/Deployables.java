package io.tributary.ops.local.bench;

import io.tributary.common.metrics.ProcessCpu;
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

    private record Running(Stage stage, String name, Process process, int port, Path log) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** Per stage, the HTTP port of each of its instances. */
    private final Map<Stage, List<Integer>> ports = new LinkedHashMap<>();
    private final List<Running> running = new ArrayList<>();
    /** Each deployable's CPU seconds when it first answered: its JVM's start and its start-up checks. */
    private final Map<String, Double> startUpCpu = new LinkedHashMap<>();
    private final Path dir;
    private final String heap;
    private final Path profiles;

    /**
     * Chooses free ports; nothing runs yet ({@link #httpYaml} goes into the pipeline file first). The transform
     * and the sink get {@code instances} processes each, sharing the topics' partitions in their consumer
     * groups; a capture has one (a second would only wait as a standby). Each deployable runs with
     * {@code -Xmx<heap>} when {@code heap} is given, else with its own JVM budget ({@link JvmBudget}); with a
     * flight recording into {@code profiles/<deployable>.jfr} when {@code profiles} is given.
     */
    Deployables(Path dir, String heap, Path profiles, List<Stage> stages, int instances) throws IOException {
        this.dir = dir;
        this.heap = heap;
        this.profiles = profiles;
        for (Stage s : stages) {
            List<Integer> p = new ArrayList<>();
            for (int i = 0; i < (s == Stage.TRANSFORM || s == Stage.SINK ? instances : 1); i++) {
                try (ServerSocket socket = new ServerSocket(0)) {
                    p.add(socket.getLocalPort());
                }
            }
            ports.put(s, p);
        }
    }

    /** The pipeline file's {@code http:} section for the first instance of each stage. */
    String httpYaml() {
        return httpYaml(0);
    }

    /** The {@code http:} section of instance {@code i}'s pipeline file (a stage with fewer instances keeps its first port). */
    private String httpYaml(int i) {
        StringBuilder y = new StringBuilder("http: { bind: 127.0.0.1");
        ports.forEach((s, p) -> y.append(", ").append(s.deployable).append(": ").append(p.get(Math.min(i, p.size() - 1))));
        return y.append(" }\n").toString();
    }

    List<Stage> stages() {
        return List.copyOf(ports.keySet());
    }

    /**
     * Starts every instance of every stage on {@code pipeline}, logs to a file each; instance {@code i > 0} runs
     * on a copy of the file that differs only in its {@code http:} ports.
     */
    void start(Path pipeline) throws IOException {
        start(pipeline, ports.keySet());
    }

    /**
     * Starts every instance of the stages in {@code only} at once (see {@link #start(Path)}), and returns when
     * each answers (see {@link #startAnswering}).
     */
    void start(Path pipeline, java.util.Collection<Stage> only) throws IOException {
        String yaml = Files.readString(pipeline);
        int most = ports.values().stream().mapToInt(List::size).max().orElse(1);
        List<Launch> launches = new ArrayList<>();
        for (int i = 0; i < most; i++) {
            Path file = pipeline;
            if (i > 0) {
                file = dir.resolve("pipeline-" + (i + 1) + ".yaml");
                Files.writeString(file, yaml.replace(httpYaml(0), httpYaml(i)));
            }
            for (Map.Entry<Stage, List<Integer>> s : ports.entrySet()) {
                if (i < s.getValue().size() && only.contains(s.getKey())) {
                    launches.add(new Launch(s.getKey(), i, s.getValue().get(i), file));
                }
            }
        }
        startAnswering(launches);
    }

    /** Instance {@code instance} of {@code stage}, serving its /metrics on {@code port}, run on {@code file}. */
    private record Launch(Stage stage, int instance, int port, Path file) {
        String name() {
            return Deployables.name(stage, instance);
        }
    }

    /** The name of instance {@code instance} (from 0) of {@code s}: its deployable, numbered from the second on. */
    private static String name(Stage s, int instance) {
        return instance == 0 ? s.deployable : s.deployable + "-" + (instance + 1);
    }

    /** The names of every instance of every stage, whether started or not, as {@link #cpuSeconds} and {@link #peakRssMb} key them. */
    List<String> names() {
        List<String> names = new ArrayList<>();
        ports.forEach((s, p) -> {
            for (int i = 0; i < p.size(); i++) {
                names.add(name(s, i));
            }
        });
        return names;
    }

    private Running start(Launch l) throws IOException {
        Path log = dir.resolve(l.name() + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(heap != null ? List.of("-Xmx" + heap) : JvmBudget.flags(l.stage.deployable));
        if (profiles != null) {
            cmd.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + profiles.resolve(l.name() + ".jfr"));
        }
        cmd.addAll(List.of("-Dlog4j2.configurationFile=classpath:tributary-log4j2.xml", "-cp", System.getProperty("java.class.path"),
                "io.tributary.ops.Main", l.stage.deployable, "--config", l.file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Running r = new Running(l.stage, l.name(), p, l.port, log);
        running.add(r);
        return r;
    }

    /**
     * Starts every launch at once and waits until each serves its /metrics or has exited, as {@link StartPolicy}
     * says: one that exits before it answers is started again, at most {@value StartPolicy#ATTEMPTS} starts in
     * all, while the others go on starting. A deployable that exits for good is reported by {@link #failure()};
     * one that does not answer within {@value StartPolicy#SECONDS} s is left running, to be judged by what it does.
     */
    private void startAnswering(List<Launch> launches) throws IOException {
        List<Attempt> waiting = new ArrayList<>();
        for (Launch l : launches) {
            waiting.add(new Attempt(l, start(l), 1));
        }
        while (!waiting.isEmpty()) {
            for (Attempt a : List.copyOf(waiting)) {
                boolean exited = !a.run.process.isAlive();
                switch (StartPolicy.next(a.number, exited, () -> count(a.run) >= 0, () -> System.nanoTime() > a.deadline)) {
                    case STOP_WAITING -> {
                        waiting.remove(a);
                        startUpCpu.put(a.run.name, ProcessCpu.seconds(a.run.process.pid()));
                    }
                    case START_AGAIN -> {
                        running.remove(a.run);
                        Path log = StartPolicy.keptLog(a.run.log, a.number);
                        Files.move(a.run.log, log, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        System.out.println(StartPolicy.startAgainLine(a.run.name, a.run.process.exitValue(), log));
                        waiting.set(waiting.indexOf(a), new Attempt(a.launch, start(a.launch), a.number + 1));
                    }
                    case KEEP_WAITING -> {
                        // still starting: looked at again after the pause
                    }
                }
            }
            if (!waiting.isEmpty()) {
                pause();
            }
        }
    }

    /** The {@code number}th start of {@code launch}, waited for until {@code deadline} ({@link System#nanoTime}). */
    private record Attempt(Launch launch, Running run, int number, long deadline) {
        Attempt(Launch launch, Running run, int number) {
            this(launch, run, number, System.nanoTime() + TimeUnit.SECONDS.toNanos(StartPolicy.SECONDS));
        }
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the deployables started", e);
        }
    }

    /** Events handled so far by {@code stage}, summed over its instances, from their /metrics; -1 while one does not answer yet. */
    long count(Stage stage) {
        long total = 0;
        for (Running r : running) {
            if (r.stage != stage) {
                continue;
            }
            long n = count(r);
            if (n < 0) {
                return -1;
            }
            total += n;
        }
        return total;
    }

    private long count(Running r) {
        try {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) {
                return -1;
            }
            return sum(res.body(), r.stage.counter, r.stage.label);
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
        for (Running r : running) {
            Process p = r.process;
            if (!p.isAlive()) {
                List<String> lines = Files.readAllLines(r.log);
                return r.name + " exited with code " + p.exitValue() + "; its log ends:\n  "
                        + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
            }
        }
        return null;
    }

    /** Peak resident memory (VmHWM) of each deployable's process, in MiB, read while they still run. */
    Map<String, Long> peakRssMb() throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Running r : running) {
            Path status = Path.of("/proc", String.valueOf(r.process.pid()), "status");
            long kb = -1;
            if (Files.isReadable(status)) {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmHWM:")) {
                        kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            }
            out.put(r.name, kb < 0 ? -1 : kb / 1024);
        }
        return out;
    }

    /** CPU seconds (user and system) each deployable's process has used so far ({@code /proc/<pid>/stat}, Linux). */
    Map<String, Double> cpuSeconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        running.forEach(r -> out.put(r.name, ProcessCpu.seconds(r.process.pid())));
        return out;
    }

    /** The CPU seconds each deployable had used when it first answered (JVM start, start-up checks), by name. */
    Map<String, Double> startUpCpuSeconds() {
        return Map.copyOf(startUpCpu);
    }

    /** Stops every deployable as SIGTERM does; kills what has not ended within 30 s. */
    @Override
    public void close() throws InterruptedException {
        running.forEach(r -> r.process.destroy());
        for (Running r : running) {
            if (!r.process.waitFor(30, TimeUnit.SECONDS)) {
                r.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
