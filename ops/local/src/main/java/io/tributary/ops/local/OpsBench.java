package io.tributary.ops.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.ops.reconcile.ReconcileBench;
import io.tributary.ops.replay.ReplayBench;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.kafka.Topics;
import io.tributary.testkit.LocalKafka;
import io.tributary.testkit.LocalPostgres;
import io.tributary.testkit.LocalRegistry;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/tributary bench reconcile} and {@code bench replay} on local servers: reconcile's time and peak
 * heap for N rows against the floor of {@code count(*)} plus one hash query over every row on each side;
 * replay's rows per second against raw {@code COPY} of the same rows. Each run checks its own result (the
 * three corrupted rows found, the replayed service equal to its source), so a fast wrong run is not a figure.
 */
final class OpsBench {
    private static final PrintStream out = System.out;

    private OpsBench() {
    }

    /** Runs {@code reconcile} or {@code replay} with their options; false when {@code args[0]} is neither. */
    static boolean run(String[] args) throws Exception {
        if (args.length == 0 || !(args[0].equals("reconcile") || args[0].equals("replay"))) {
            return false;
        }
        long rows = 1_000_000;
        String source = "sqlite";
        String heap = "64m";
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rows = Long.parseLong(args[i + 1].replace("_", ""));
                case "--source" -> source = args[i + 1];
                case "--heap" -> heap = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (bench " + args[0] + " takes --rows N"
                        + (args[0].equals("reconcile") ? ", --source sqlite|postgres, --heap SIZE)" : ")"));
            }
        }
        Path dir = Files.createTempDirectory("tributary-bench-" + args[0] + "-");
        if (args[0].equals("reconcile")) {
            reconcile(dir, rows, source.equals("postgres"), heap);
        } else {
            replay(dir, rows);
        }
        return true;
    }

    private static void reconcile(Path dir, long rows, boolean pgSource, String heap) throws Exception {
        try (LocalPostgres pg = LocalPostgres.start(dir.resolve("pg"))) {
            LocalPostgres.createDatabase(pg.jdbcUrl("postgres"), "source");
            LocalPostgres.createDatabase(pg.jdbcUrl("postgres"), "target");
            String src = pg.jdbcUrl("source");
            String dst = pg.jdbcUrl("target");
            Path sqlite = dir.resolve("experiments.db");
            String key = pgSource ? "id" : TableSchema.ROWID_COLUMN;
            out.printf(Locale.ROOT, "reconcile benchmark: experiment_metrics, %,d rows, %s -> PostgreSQL, heap %s%n", rows, pgSource ? "PostgreSQL" : "SQLite", heap);
            long t0 = System.nanoTime();
            if (pgSource) {
                ReconcileBench.postgresTable(src, rows, key, false);
            } else {
                ReconcileBench.sqliteSource(sqlite, rows);
            }
            long t1 = System.nanoTime();
            ReconcileBench.postgresTable(dst, rows, key, true);
            out.printf(Locale.ROOT, "  built: source %.1f s, target %.1f s%n", (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
            double srcFloor = pgSource ? ReconcileBench.postgresFloor(src) : ReconcileBench.sqliteFloor(sqlite);
            double dstFloor = ReconcileBench.postgresFloor(dst);
            out.printf(Locale.ROOT, "  floor, count(*) and one %s every row: source %.1f s + target %.1f s = %.1f s%n",
                    pgSource ? "hash query over" : "hash query (target) / plain read (SQLite source) of", srcFloor, dstFloor, srcFloor + dstFloor);
            ReconcileBench.corrupt(dst, rows, key);
            Path pipeline = ReconcileBench.pipeline(dir.resolve("pipeline.yaml"), pgSource ? null : sqlite, pgSource ? src : null, dst);
            Path gc = dir.resolve("gc.log");
            Path json = dir.resolve("report.json");
            long r0 = System.nanoTime();
            Process p = new ProcessBuilder(ReconcileBench.childCommand(heap, gc, pipeline)).redirectOutput(json.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            p.waitFor(2, TimeUnit.HOURS);
            double seconds = (System.nanoTime() - r0) / 1e9;
            JsonNode table = new ObjectMapper().readTree(Files.readString(json)).path("tables").get(0);
            List<String> found = found(table);
            List<String> expected = new ArrayList<>(ReconcileBench.corruption(rows));
            expected.sort(null);
            double engine = table.path("seconds").asDouble();
            out.printf(Locale.ROOT, "  reconcile: %.1f s comparing (%,.0f rows/s, %.1fx the floor), %.1f s for the whole command in a JVM of its own; "
                    + "peak heap in use %d MiB%n", engine, rows / engine, engine / (srcFloor + dstFloor), seconds, ReconcileBench.peakHeapMb(gc));
            out.printf("  found exactly the 3 corrupted rows: %s%s%n", found.equals(expected) ? "yes" : "NO", found.equals(expected) ? "" : " " + found);
        }
    }

    private static List<String> found(JsonNode table) {
        List<String> found = new ArrayList<>();
        for (JsonNode d : table.path("differences")) {
            List<String> cols = new ArrayList<>();
            d.path("columns").forEach(c -> cols.add(c.asText()));
            found.add(d.path("key").get(0).asText() + " " + d.path("kind").asText().toUpperCase(Locale.ROOT) + " " + cols);
        }
        found.sort(null);
        return found;
    }

    private static void replay(Path dir, long rows) throws Exception {
        try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka")); LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"));
             LocalPostgres pg = LocalPostgres.start(dir.resolve("pg"))) {
            LocalPostgres.createDatabase(pg.jdbcUrl("postgres"), "copy");
            LocalPostgres.createDatabase(pg.jdbcUrl("postgres"), "rebuilt");
            Path sqlite = dir.resolve("experiments.db");
            out.printf(Locale.ROOT, "replay benchmark: experiment_metrics, %,d rows from a service topic into an empty database%n", rows);
            ReconcileBench.sqliteSource(sqlite, rows);
            try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(Topics.perService("bench-svc", ReconcileBench.TABLE), 1, (short) 1),
                        new org.apache.kafka.clients.admin.NewTopic(Topics.generations("bench"), 1, (short) 1))).all().get();
            }
            ReplayBench.produce(kafka.bootstrapServers(), registry.url(), "bench", "bench-svc", rows);
            double copy = ReplayBench.copySeconds(pg.jdbcUrl("copy"), rows);
            out.printf(Locale.ROOT, "  raw COPY of the same rows: %.1f s, %,.0f rows/s%n", copy, rows / copy);
            Path pipeline = ReconcileBench.pipeline(dir.resolve("pipeline.yaml"), sqlite, null, pg.jdbcUrl("copy"));
            Files.writeString(pipeline, Files.readString(pipeline).replace("localhost:9092", kafka.bootstrapServers())
                    .replace("http://localhost:8081", registry.url()));
            StringWriter json = new StringWriter();
            var cl = TributaryCommand.commandLine();
            cl.setOut(new PrintWriter(json, true));
            int code = cl.execute("replay", "--config", pipeline.toString(), "--service", "bench-svc", "--to", pg.jdbcUrl("rebuilt"), "--json",
                    "--settle", "0");
            JsonNode report = new ObjectMapper().readTree(json.toString());
            JsonNode r = report.path("replay");
            out.printf(Locale.ROOT, "  replay (Kafka, Avro decoding and the sink's guarded apply): %.1f s, %,d rows/s, %.1fx COPY's time%n",
                    r.path("seconds").asDouble(), r.path("rows_per_second").asLong(), r.path("seconds").asDouble() / copy);
            out.printf(Locale.ROOT, "  reconcile after the replay: %s (exit %d, %.1f s)%n", report.path("verdict").asText(), code,
                    report.path("tables").get(0).path("seconds").asDouble());
        }
    }
}
