package io.tributary.ops.local.bench;

import io.tributary.common.metrics.ProcessCpu;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.ops.local.bench.Deployables.Stage;
import io.tributary.ops.reconcile.ReconcileBench;
import io.tributary.ops.reconcile.Reconciler;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.testkit.LocalPostgres;
import io.tributary.testkit.LocalStack;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/tributary bench pipeline sqlite|postgres|stream}: the whole pipeline as a user runs it, each
 * deployable a process of its own on local servers, against the alternatives in the same run.
 * <ul>
 *   <li>{@code sqlite}: N experiment_metrics rows (the ML-experiments workload) from a SQLite file into
 *       PostgreSQL, against raw COPY of the same rows and pgloader where installed;</li>
 *   <li>{@code postgres}: N trades rows (bigint, text, numeric(20,6), float8, text, timestamptz, jsonb, bool)
 *       from one PostgreSQL database into another, against the COPY pipe;</li>
 *   <li>{@code stream}: after an initial N trades, pgbench clients run 10 inserts, 1 update and 1 delete per
 *       transaction for S seconds; lag is measured per row at the target, from the source commit to the target
 *       commit (track_commit_timestamp), and the time to equal after the load stops.</li>
 * </ul>
 * Every run prints a timeline of the events each stage has handled (from its own /metrics), the end-to-end time,
 * the peak resident memory of each deployable, and ends by reconciling source and target: a fast wrong run is
 * not a figure.
 */
public final class PipelineBench {
    private static final PrintStream out = System.out;
    /**
     * How often the timeline reads every stage's /metrics: the line it prints every 5 s. A scrape is not free (a
     * profile of the transform read once a second showed a quarter of its CPU samples in serving /metrics), so the
     * run is watched no more often than it is printed; the end is checked every second, on the sink alone.
     */
    private static final long SAMPLE_MILLIS = 5_000;

    /**
     * {@code partitions}: of every topic the run creates; {@code instances}: transform and sink processes each;
     * {@code kafka}: the pipeline file's {@code kafka.properties} ({@code --kafka KEY=VALUE}, to measure client settings).
     */
    private record Options(String kind, long rows, int seconds, int clients, int rate, String heap, Path profiles, int partitions, int instances,
                           String synchronousCommit, Map<String, String> kafka) {
        /** The deployables of this run, nothing started yet. */
        Deployables deployables(Path dir, Stage capture) throws java.io.IOException {
            return new Deployables(dir, heap, profiles, List.of(capture, Stage.TRANSFORM, Stage.SINK), instances);
        }

        /** How the deployables' JVMs are sized, for the run's heading. */
        String jvm() {
            return (heap == null ? "each its own JVM budget (JvmBudget)" : "-Xmx" + heap) + (profiles == null ? "" : ", flight recordings in " + profiles);
        }

        String scale() {
            return partitions + " partition" + (partitions == 1 ? "" : "s") + " per topic, " + instances + " transform and sink instance"
                    + (instances == 1 ? "" : "s") + (kafka.isEmpty() ? "" : ", kafka.properties " + kafka);
        }
    }

    private PipelineBench() {
    }

    /** Runs {@code args} ({@code pipeline KIND [options]}); false when {@code args[0]} is not {@code pipeline}. */
    public static boolean run(String[] args) throws Exception {
        if (args.length == 0 || !args[0].equals("pipeline")) {
            return false;
        }
        String kind = args.length > 1 && !args[1].startsWith("--") ? args[1] : "sqlite";
        if (!List.of("sqlite", "postgres", "stream").contains(kind)) {
            throw new IllegalArgumentException("bench pipeline takes sqlite, postgres or stream, not " + kind);
        }
        long rows = kind.equals("stream") ? 100_000 : 1_000_000;
        int seconds = 30;
        int clients = 8;
        int rate = 0;
        String heap = null; // each deployable's own budget, as bin/tributary runs it
        Path profiles = null;
        int partitions = 1;
        int instances = 1;
        String synchronousCommit = "on";
        Map<String, String> kafka = new java.util.TreeMap<>();
        for (int i = args.length > 1 && !args[1].startsWith("--") ? 2 : 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rows = Long.parseLong(args[i + 1].replace("_", ""));
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--clients" -> clients = Integer.parseInt(args[i + 1]);
                case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                case "--heap" -> heap = args[i + 1];
                case "--profile" -> profiles = Files.createDirectories(Path.of(args[i + 1]).toAbsolutePath());
                case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
                case "--instances" -> instances = Integer.parseInt(args[i + 1]);
                case "--synchronous-commit" -> synchronousCommit = args[i + 1];
                case "--kafka" -> {
                    String[] kv = args[i + 1].split("=", 2);
                    if (kv.length != 2) {
                        throw new IllegalArgumentException("--kafka takes KEY=VALUE, not " + args[i + 1]);
                    }
                    kafka.put(kv[0], kv[1]);
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (bench pipeline [sqlite|postgres|stream] takes --rows N, --heap SIZE, --profile DIR, --partitions N, --instances N, "
                        + "--kafka KEY=VALUE (repeatable); "
                        + "stream also --seconds N, --clients N, --rate TPS, --synchronous-commit on|off)");
            }
        }
        if (partitions < 1 || instances < 1) {
            throw new IllegalArgumentException("--partitions and --instances take a number of at least 1");
        }
        if (!List.of("on", "off").contains(synchronousCommit)) {
            throw new IllegalArgumentException("--synchronous-commit takes on or off, not " + synchronousCommit);
        }
        Options o = new Options(kind, rows, seconds, clients, rate, heap, profiles, partitions, instances, synchronousCommit, kafka);
        if (kind.equals("stream") && !Workloads.onPath("pgbench")) {
            out.println("bench pipeline stream: skipped, pgbench is not on the PATH (Debian: apt-get install postgresql-client)");
            return true;
        }
        Path dir = Files.createTempDirectory("tributary-bench-pipeline-");
        try (LocalStack stack = LocalStack.start(dir.resolve("servers"))) {
            switch (kind) {
                case "sqlite" -> sqlite(o, dir, stack);
                case "postgres" -> postgres(o, dir, stack);
                default -> stream(o, dir, stack);
            }
        }
        return true;
    }

    private static void sqlite(Options o, Path dir, LocalStack stack) throws Exception {
        out.printf("pipeline benchmark: SQLite -> PostgreSQL, %,d experiment_metrics rows, %s, deployables with %s%n", o.rows, o.scale(), o.jvm());
        Path file = dir.resolve("experiments.db");
        ReconcileBench.sqliteSource(file, o.rows);
        String target = database(stack, "target");
        Deployables d = o.deployables(dir, Stage.CAPTURE_SQLITE);
        Path pipeline = pipeline(dir, stack, d, o, "  - name: bench\n    sqlite: { path: \"" + file + "\" }\n    tables: [" + ReconcileBench.TABLE + "]\n",
                target, "bench.main." + ReconcileBench.TABLE);
        double pipelineSeconds = untilRows(d, pipeline, target, ReconcileBench.TABLE, o.rows, budget(d, stack));
        double copy = Workloads.sqliteCopy(file, database(stack, "floor_copy"));
        double pgloader = Workloads.pgloader(file, port(stack), createdDatabase(stack, "floor_pgloader"), dir.resolve("pgloader.log"));
        out.printf("%n  Tributary end to end: %.1f s (%,.0f rows/s)%n", pipelineSeconds, o.rows / pipelineSeconds);
        out.printf("  raw COPY (read SQLite, COPY into PostgreSQL): %.1f s   Tributary / COPY = %.1fx%n", copy, pipelineSeconds / copy);
        if (!Double.isNaN(pgloader)) {
            out.printf("  pgloader: %.1f s   Tributary / pgloader = %.2fx (goal <= 0.7x)%n", pgloader, pipelineSeconds / pgloader);
        }
        verdict(pipeline);
    }

    private static void postgres(Options o, Path dir, LocalStack stack) throws Exception {
        out.printf("pipeline benchmark: PostgreSQL -> PostgreSQL, %,d trades rows, %s, deployables with %s%n", o.rows, o.scale(), o.jvm());
        String source = database(stack, "monolith");
        Workloads.trades(source, o.rows);
        String target = database(stack, "target");
        Deployables d = o.deployables(dir, Stage.CAPTURE_POSTGRES);
        Path pipeline = pipeline(dir, stack, d, o, postgresSource(source), target, "bench.public.trades");
        double pipelineSeconds = untilRows(d, pipeline, target, "trades", o.rows, budget(d, stack));
        double copy = Workloads.copyPipe(source, database(stack, "floor_copy"));
        out.printf("%n  Tributary end to end: %.1f s (%,.0f rows/s)%n", pipelineSeconds, o.rows / pipelineSeconds);
        out.printf("  COPY pipe (COPY TO STDOUT into COPY FROM STDIN): %.1f s   Tributary / COPY pipe = %.1fx (goal <= 5x)%n",
                copy, pipelineSeconds / copy);
        verdict(pipeline);
    }

    private static void stream(Options o, Path dir, LocalStack stack) throws Exception {
        out.printf("pipeline benchmark: streaming PostgreSQL -> PostgreSQL, %,d trades first, then pgbench with %d clients for %d s "
                + "(10 inserts, 1 update, 1 delete per transaction%s), %s, deployables with %s%n", o.rows, o.clients, o.seconds,
                o.rate > 0 ? ", at most " + o.rate + " transactions/s" : ", as fast as it goes", o.scale(), o.jvm());
        String source = database(stack, "monolith");
        Workloads.trades(source, o.rows);
        sourceCommits(source, o.synchronousCommit);
        String target = database(stack, "target");
        Deployables d = o.deployables(dir, Stage.CAPTURE_POSTGRES);
        Path pipeline = pipeline(dir, stack, d, o, postgresSource(source), target, "bench.public.trades");
        try (d) {
            // the capture's snapshot first, then the transform and the sink: with all three starting beside the
            // snapshot on a loaded machine, the broker did not answer their start-up checks within 10 s
            d.start(pipeline, List.of(Stage.CAPTURE_POSTGRES));
            until(d, () -> d.count(Stage.CAPTURE_POSTGRES) >= o.rows, 1800, null);
            d.start(pipeline, List.of(Stage.TRANSFORM, Stage.SINK));
            double snapshot = until(d, () -> count(target, "trades") == o.rows, 1800, null);
            out.printf("  initial %,d rows in the target after %.1f s; pgbench starts%n", o.rows, snapshot);
            try (SourceProbe probe = new SourceProbe(source, "monolith")) {
                Instant loadStart = Instant.now();
                long loadStartNanos = System.nanoTime();
                probe.behind(); // learns the walsender's pid
                CpuBudget budget = budget(d, stack).addPart("  of it, the slot's walsender", probe::walsenderCpuSeconds).start();
                BrokerRequests requests = new BrokerRequests().start();
                Process bench = new ProcessBuilder(Workloads.pgbench(dir.resolve("bench.sql"), port(stack), "monolith", o.clients, o.seconds, o.rate, o.rows))
                        .redirectErrorStream(true).redirectOutput(dir.resolve("pgbench.log").toFile()).start();
                Timeline timeline = new Timeline(d, probe);
                while (!bench.waitFor(1, TimeUnit.SECONDS)) {
                    timeline.sampleEvery(SAMPLE_MILLIS);
                    failIfStopped(d);
                }
                if (bench.exitValue() != 0) {
                    throw new IllegalStateException("pgbench failed; see " + dir.resolve("pgbench.log"));
                }
                long loadEnd = System.nanoTime();
                String tps = Files.readAllLines(dir.resolve("pgbench.log")).stream().filter(l -> l.startsWith("tps")).findFirst().orElse("tps = ?");
                PipelineConfig config = PipelineConfigLoader.load(pipeline, Map.of());
                double drained = until(d, () -> Reconciler.reconcile(config).stream().allMatch(TableReport::matches), 900, timeline);
                timeline.sample();
                timeline.print();
                List<double[]> rows = Workloads.commitLags(source, target, loadStart);
                double[] lags = rows.stream().mapToDouble(r -> r[1]).sorted().toArray();
                long changes = d.count(Stage.CAPTURE_POSTGRES) - o.rows;
                double loadSeconds = (loadEnd - loadStartNanos) / 1e9;
                out.printf("%n  pgbench: %s; %,d row changes captured in %.0f s of load (%,.0f changes/s)%n", tps.trim(), changes, loadSeconds,
                        changes / loadSeconds);
                out.printf("  lag per row, source commit -> target commit (%,d rows changed during the load and still there): p50 %.2f s, p95 %.2f s, "
                        + "p99 %.2f s, max %.2f s (goal p99 < 1 s)%n", lags.length, pct(lags, 50), pct(lags, 95), pct(lags, 99), pct(lags, 100));
                printLagByCommitTime(rows, loadStart);
                out.printf("  target equal to the source %.1f s after the load stopped%n", drained);
                budget.print(out, "during the load (pgbench's own CPU is among what is not listed)", changes, "change", d.names().size(), Map.of());
                requests.print(out, "from the load's start until the target equalled the source", changes, "change");
                printRss(d);
            }
        }
        verdict(pipeline);
    }

    /**
     * The source database's commits as a production server makes them: {@code synchronous_commit=on} by default
     * (the local servers run with {@code off} to make tests fast). With {@code off} a commit returns before its WAL
     * is flushed, and logical decoding sends only flushed WAL, so each change waits for the WAL writer (every
     * {@code wal_writer_delay}, 200 ms) before the capture can see it: lag the source adds, not the pipeline.
     * {@code --synchronous-commit off} measures that case.
     */
    private static void sourceCommits(String url, String synchronousCommit) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + c.getCatalog() + " SET synchronous_commit = " + synchronousCommit);
        }
        out.printf("  source database: synchronous_commit=%s%n", synchronousCommit);
    }

    /**
     * Runs the deployables until the target table holds {@code rows} rows; prints the timeline, memory and the CPU
     * {@code budget} of the run; returns the seconds from their start.
     */
    private static double untilRows(Deployables d, Path pipeline, String target, String table, long rows, CpuBudget budget) throws Exception {
        try (d) {
            budget.start();
            long t0 = System.nanoTime();
            d.start(pipeline);
            out.printf("  all deployables answer after %.1f s%n", (System.nanoTime() - t0) / 1e9);
            Timeline timeline = new Timeline(d);
            // the sink's own counter first: a count(*) of a large table every second would take a core from the run
            while (d.count(Stage.SINK) < rows || count(target, table) < rows) {
                if ((System.nanoTime() - t0) / 1e9 > 3600) {
                    throw new IllegalStateException("the target did not reach " + rows + " rows within an hour");
                }
                failIfStopped(d);
                timeline.sampleEvery(SAMPLE_MILLIS);
                Thread.sleep(1_000);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            timeline.sample();
            timeline.print();
            printRss(d);
            budget.print(out, "from the deployables' start (start-up included) to the last row", rows, "row", d.names().size(), d.startUpCpuSeconds());
            return seconds;
        }
    }

    /**
     * The processes whose CPU a run's budget reads: each deployable, this JVM (the local Kafka broker runs in it,
     * beside the bench's own probes, which read /metrics every 5 s and the sink's every second), the registry and
     * PostgreSQL (the postmaster with every backend: the source's and the target's, the walsender).
     */
    private static CpuBudget budget(Deployables d, LocalStack stack) throws java.io.IOException {
        CpuBudget budget = new CpuBudget();
        for (String name : d.names()) {
            budget.add(name, () -> d.cpuSeconds().getOrDefault(name, Double.NaN));
        }
        long pg = stack.postgresPid();
        long self = ProcessHandle.current().pid();
        return budget.add("bench JVM (the Kafka broker runs in it)", () -> ProcessCpu.seconds(self))
                .add("registry (Apicurio)", () -> ProcessCpu.treeSeconds(stack.registryPid()))
                .add("PostgreSQL: postmaster and every backend", () -> ProcessCpu.treeSeconds(pg));
    }

    /**
     * The lag of the rows committed in each 5 s of the load, by their source commit time: a lag that grows from
     * one bucket to the next is a stage that falls behind the load (queueing); a flat one is the pipeline's cadence.
     */
    private static void printLagByCommitTime(List<double[]> rows, Instant loadStart) {
        double from = loadStart.toEpochMilli() / 1000.0;
        Map<Integer, List<Double>> buckets = new java.util.TreeMap<>();
        for (double[] r : rows) {
            buckets.computeIfAbsent((int) ((r[0] - from) / 5), k -> new ArrayList<>()).add(r[1]);
        }
        out.printf("  lag by source commit time:%n  %10s %8s %9s %9s%n", "committed", "rows", "p50 s", "p99 s");
        buckets.forEach((b, l) -> {
            double[] sorted = l.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            out.printf("  %4d-%3d s %,8d %9.2f %9.2f%n", b * 5, b * 5 + 5, sorted.length, pct(sorted, 50), pct(sorted, 99));
        });
    }

    /** Waits (bounded) for {@code done}, failing as soon as a deployable stops, sampling {@code timeline} if given; returns the seconds it took. */
    private static double until(Deployables d, Check done, int maxSeconds, Timeline timeline) throws Exception {
        long t0 = System.nanoTime();
        while (!done.holds()) {
            if ((System.nanoTime() - t0) / 1e9 > maxSeconds) {
                throw new IllegalStateException("not reached within " + maxSeconds + " s");
            }
            failIfStopped(d);
            if (timeline != null) {
                timeline.sampleEvery(SAMPLE_MILLIS);
            }
            Thread.sleep(1_000);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void failIfStopped(Deployables d) throws java.io.IOException {
        String failure = d.failure();
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    private static void printRss(Deployables d) throws java.io.IOException {
        StringBuilder sb = new StringBuilder("  peak RSS:");
        d.peakRssMb().forEach((k, v) -> sb.append(String.format(" %s %,d MiB;", k, v)));
        out.println(sb.substring(0, sb.length() - 1) + " (goal <= 512 MiB each)");
    }

    private static void verdict(Path pipeline) throws Exception {
        List<TableReport> reports = Reconciler.reconcile(PipelineConfigLoader.load(pipeline, Map.of()));
        for (TableReport r : reports) {
            out.printf("  reconcile %s: source %,d rows, target %,d rows, missing %d, extra %d, changed %d: %s%n", r.table(), r.sourceRows(),
                    r.targetRows(), r.missing(), r.extra(), r.changed(), r.matches() ? "EQUAL" : "DIFFERENT");
            if (!r.matches()) {
                throw new IllegalStateException("the target is not equal to the source: this run's figures do not count");
            }
        }
    }

    /** Every {@link #SAMPLE_MILLIS} of the run, the events each stage had handled: printed as one line each. */
    private static final class Timeline {
        private final Deployables d;
        /** The source's slot, for the streaming run: its unsent and unconfirmed WAL as two more columns; null otherwise. */
        private final SourceProbe probe;
        private final long t0 = System.nanoTime();
        private final Map<Long, long[]> samples = new LinkedHashMap<>();
        private long lastSample = -1;

        Timeline(Deployables d) {
            this(d, null);
        }

        Timeline(Deployables d, SourceProbe probe) {
            this.d = d;
            this.probe = probe;
        }

        void sampleEvery(long millis) {
            long now = (System.nanoTime() - t0) / 1_000_000;
            if (lastSample < 0 || now - lastSample >= millis) {
                sample();
            }
        }

        void sample() {
            long now = (System.nanoTime() - t0) / 1_000_000;
            lastSample = now;
            List<Stage> stages = d.stages();
            long[] counts = new long[stages.size() + (probe == null ? 0 : 2)];
            for (int i = 0; i < stages.size(); i++) {
                counts[i] = d.count(stages.get(i));
            }
            if (probe != null) {
                long[] behind = probe.behind();
                counts[stages.size()] = behind[0] < 0 ? -1 : behind[0] >> 10;
                counts[stages.size() + 1] = behind[1] < 0 ? -1 : behind[1] >> 10;
            }
            samples.put(now, counts);
        }

        void print() {
            List<Stage> stages = d.stages();
            StringBuilder head = new StringBuilder(String.format("%n  %8s", "seconds"));
            stages.forEach(s -> head.append(String.format(" %16s", s.deployable)));
            if (probe != null) {
                head.append(String.format(" %16s %16s", "WAL unsent KiB", "unconfirmed KiB"));
            }
            out.println(head);
            long nextPrint = 0;
            List<Map.Entry<Long, long[]>> all = new ArrayList<>(samples.entrySet());
            for (int i = 0; i < all.size(); i++) {
                Map.Entry<Long, long[]> e = all.get(i);
                if (e.getKey() >= nextPrint || i == all.size() - 1) {
                    StringBuilder line = new StringBuilder(String.format("  %8.1f", e.getKey() / 1000.0));
                    for (long c : e.getValue()) {
                        line.append(String.format(" %,16d", Math.max(0, c)));
                    }
                    out.println(line);
                    nextPrint = e.getKey() + 5_000;
                }
            }
        }
    }

    private static Path pipeline(Path dir, LocalStack stack, Deployables d, Options o, String source, String target, String table) throws Exception {
        Path file = dir.resolve("pipeline.yaml");
        StringBuilder properties = new StringBuilder();
        o.kafka.forEach((k, v) -> properties.append(properties.isEmpty() ? ", properties: { " : ", ").append('"').append(k).append("\": \"").append(v).append('"'));
        Files.writeString(file, "kafka: { bootstrap: \"" + stack.kafkaBootstrap() + "\", partitions: " + o.partitions
                + (properties.isEmpty() ? "" : properties + " }") + " }\nregistry: { url: \"" + stack.registryUrl() + "\" }\n"
                + "sources:\n" + source + "services:\n  - name: bench-svc\n    target: { url: \"" + target + "\", user: postgres }\n    tables: ["
                + table + "]\n" + d.httpYaml());
        return file;
    }

    private static String postgresSource(String url) {
        return "  - name: bench\n    postgres: { url: \"" + url + "\", user: postgres }\n    tables: [public.trades]\n";
    }

    private static String database(LocalStack stack, String name) throws SQLException {
        return LocalPostgres.withDatabase(stack.postgresUrl(), createdDatabase(stack, name));
    }

    private static String createdDatabase(LocalStack stack, String name) throws SQLException {
        LocalPostgres.createDatabase(stack.postgresUrl(), name);
        return name;
    }

    private static int port(LocalStack stack) {
        return java.net.URI.create(stack.postgresUrl().substring("jdbc:".length())).getPort();
    }

    /** Rows in {@code table} of the target; 0 while the sink has not created it. */
    private static long count(String url, String table) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0;
            }
            throw e;
        }
    }

    private static double pct(double[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
