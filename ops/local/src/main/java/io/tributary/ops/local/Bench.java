package io.tributary.ops.local;

import io.tributary.sink.postgres.SinkBench;
import io.tributary.testkit.LocalPostgres;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code bin/tributary bench sink}: runs the sink benchmark on a local PostgreSQL (or --pg-url) and prints the figures. */
final class Bench {
    private Bench() {
    }

    private static void sqlite(String[] args) throws Exception {
        int rows = 1_000_000;
        int rate = 2000;
        int seconds = 10;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(args[i + 1]);
                case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        Path dir = Files.createTempDirectory("tributary-bench-sqlite-");
        try (io.tributary.testkit.LocalKafka kafka = io.tributary.testkit.LocalKafka.start(dir.resolve("kafka"));
             io.tributary.testkit.LocalRegistry registry = io.tributary.testkit.LocalRegistry.start(dir.resolve("registry"))) {
            System.out.println("capture-sqlite benchmark (experiment_metrics of the ML-experiments workload)");
            System.out.println(io.tributary.capture.sqlite.SqliteBench.run(kafka.bootstrapServers(), registry.url(), dir, rows, rate, seconds));
        }
    }

    public static void main(String[] args) throws Exception {
        if (OpsBench.run(args)) {
            return;
        }
        if (args.length > 0 && args[0].equals("sqlite")) {
            sqlite(args);
            return;
        }
        if (args.length == 0 || !args[0].equals("sink")) {
            System.err.println("usage: tributary bench sink [--rows N] [--updates N] [--pg-url JDBC_URL]\n"
                    + "       tributary bench sqlite [--rows N] [--rate COMMITS_PER_S] [--seconds N]\n"
                    + "       tributary bench reconcile [--rows N] [--source sqlite|postgres] [--heap SIZE]\n"
                    + "       tributary bench replay [--rows N]");
            System.exit(2);
        }
        long rows = 1_000_000;
        long updates = 500_000;
        String url = null;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rows = Long.parseLong(args[i + 1]);
                case "--updates" -> updates = Long.parseLong(args[i + 1]);
                case "--pg-url" -> url = args[i + 1];
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        LocalPostgres pg = null;
        if (url == null) {
            Path dir = Files.createTempDirectory("tributary-bench-");
            pg = LocalPostgres.start(dir.resolve("pg"));
            LocalPostgres.createDatabase(pg.jdbcUrl("postgres"), "bench");
            url = pg.jdbcUrl("bench");
        }
        try {
            System.out.println("sink benchmark (experiment_metrics of the ML-experiments workload)");
            System.out.println(SinkBench.run(url, rows, updates));
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }
}
