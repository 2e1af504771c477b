package io.tributary.ops.local.bench;

import io.tributary.ops.local.bench.Deployables.Stage;
import io.tributary.schemas.kafka.Topics;
import io.tributary.testkit.LocalPostgres;
import io.tributary.testkit.LocalStack;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code bin/tributary bench postgres-snapshot [--rows N] [--workers 1,2,4] [--heap SIZE] [--profile DIR]}: capture-postgres
 * alone (its own JVM, as an operator runs it) taking the initial snapshot of N trades rows into Kafka, once per
 * worker count ({@code snapshot-workers}), all in one run on the same servers and the same table, so that the
 * ratios between them are comparable on a shared machine. One worker is Debezium's single-threaded snapshot, the
 * path used before the setting existed. A run ends when the table's generation marker is on its topic: Kafka has
 * acknowledged every row. Each run has a source of its own (slot, publication, topics), dropped after it. The
 * COPY pipe of the same rows is printed as the floor, and the load average before and after, since the figures
 * mean little without it. {@code --profile DIR} records each run's capture with JFR into
 * {@code DIR/w<workers>/capture-postgres.jfr}.
 */
public final class SnapshotBench {
    private static final PrintStream out = System.out;

    private SnapshotBench() {
    }

    /** Runs {@code args} ({@code postgres-snapshot [options]}); false when {@code args[0]} is not {@code postgres-snapshot}. */
    public static boolean run(String[] args) throws Exception {
        if (args.length == 0 || !args[0].equals("postgres-snapshot")) {
            return false;
        }
        long rows = 1_000_000;
        List<Integer> workers = List.of(1, 2, 4);
        String heap = null;
        Path profiles = null;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rows = Long.parseLong(args[i + 1].replace("_", ""));
                case "--workers" -> workers = Arrays.stream(args[i + 1].split(",")).map(String::trim).map(Integer::parseInt).toList();
                case "--heap" -> heap = args[i + 1];
                case "--profile" -> profiles = Path.of(args[i + 1]).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (bench postgres-snapshot takes --rows N, --workers 1,2,4, --heap SIZE, --profile DIR)");
            }
        }
        if (workers.isEmpty() || workers.stream().anyMatch(w -> w < 1)) {
            throw new IllegalArgumentException("--workers takes a list of numbers of at least 1, e.g. 1,2,4");
        }
        Path dir = Files.createTempDirectory("tributary-bench-snapshot-");
        try (LocalStack stack = LocalStack.start(dir.resolve("servers"))) {
            out.printf("capture-postgres snapshot benchmark: %,d trades rows into Kafka, snapshot-workers %s, capture with %s; load %s%n",
                    rows, workers, heap == null ? "its own JVM budget" : "-Xmx" + heap, load());
            LocalPostgres.createDatabase(stack.postgresUrl(), "monolith");
            String source = LocalPostgres.withDatabase(stack.postgresUrl(), "monolith");
            long t0 = System.nanoTime();
            Workloads.trades(source, rows);
            out.printf("  table loaded in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            List<double[]> results = new ArrayList<>();
            for (int w : workers) {
                double[] r = once(dir, stack, source, rows, w, heap,
                        profiles == null ? null : Files.createDirectories(profiles.resolve("w" + w)));
                results.add(r);
                out.printf("  snapshot-workers %d: %.1f s from start (%,.0f rows/s), %.1f s from the first row (%,.0f rows/s); load %s%n",
                        w, r[0], rows / r[0], r[1], rows / r[1], load());
            }
            LocalPostgres.createDatabase(stack.postgresUrl(), "floor_copy");
            double copy = Workloads.copyPipe(source, LocalPostgres.withDatabase(stack.postgresUrl(), "floor_copy"));
            out.printf("%n  COPY pipe (COPY TO STDOUT into COPY FROM STDIN): %.1f s (%,.0f rows/s)%n", copy, rows / copy);
            for (int i = 0; i < workers.size(); i++) {
                out.printf("  snapshot-workers %d: %.2fx the 1st run's time from start, %.1fx the COPY pipe%n", workers.get(i),
                        results.get(i)[0] / results.get(0)[0], results.get(i)[0] / copy);
            }
            out.printf("  load after the run: %s%n", load());
        }
        return true;
    }

    /** One capture until the table's snapshot is complete; seconds from the process start and from its first row. */
    private static double[] once(Path dir, LocalStack stack, String source, long rows, int workers, String heap,
                                 Path profiles) throws Exception {
        String name = "w" + workers + "x" + Long.toHexString(System.nanoTime() & 0xffffff);
        Path runDir = Files.createDirectories(dir.resolve(name));
        Deployables d = new Deployables(runDir, heap, profiles, List.of(Stage.CAPTURE_POSTGRES), 1);
        Path file = runDir.resolve("pipeline.yaml");
        Files.writeString(file, "kafka: { bootstrap: \"" + stack.kafkaBootstrap() + "\" }\nregistry: { url: \"" + stack.registryUrl() + "\" }\n"
                + "sources:\n  - name: " + name + "\n    postgres: { url: \"" + source + "\", user: postgres, snapshot-workers: " + workers + " }\n"
                + "    tables: [public.trades]\n"
                + "services:\n  - name: bench-svc\n    target: { url: \"" + source + "\", user: postgres }\n    tables: [" + name + ".public.trades]\n"
                + d.httpYaml());
        try (d) {
            long t0 = System.nanoTime();
            d.start(file);
            long first = -1;
            while (d.count(Stage.CAPTURE_POSTGRES) < rows || !markerWritten(stack, name)) {
                if ((System.nanoTime() - t0) / 1e9 > 3600) {
                    throw new IllegalStateException("the snapshot of " + rows + " rows did not complete within an hour");
                }
                String failure = d.failure();
                if (failure != null) {
                    throw new IllegalStateException(failure);
                }
                if (first < 0 && d.count(Stage.CAPTURE_POSTGRES) > 0) {
                    first = System.nanoTime();
                }
                Thread.sleep(500);
            }
            long end = System.nanoTime();
            return new double[] {(end - t0) / 1e9, (end - (first < 0 ? t0 : first)) / 1e9};
        } finally {
            try (var c = java.sql.DriverManager.getConnection(source, "postgres", ""); var s = c.createStatement()) {
                s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'tributary_" + name + "' AND NOT active");
            }
        }
    }

    /** Whether the source's generation marker topic holds a record: the capture writes it once Kafka acknowledged every snapshot row. */
    private static boolean markerWritten(LocalStack stack, String source) {
        String topic = Topics.generations(source);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", stack.kafkaBootstrap()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(5)).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            return c.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum() > 0;
        } catch (org.apache.kafka.common.KafkaException e) {
            return false; // the capture has not made the topic yet
        }
    }

    /** The 1, 5 and 15 minute load averages of this machine (Linux), or "unknown". */
    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2] + " (" + Runtime.getRuntime().availableProcessors() + " cores)";
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
