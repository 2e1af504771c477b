package io.tributary.ops.local;

import io.tributary.sink.postgres.SinkBench;
import io.tributary.sink.postgres.TimescaleBench;
import io.tributary.testkit.LocalPostgres;
import io.tributary.testkit.LocalTimescale;
import io.tributary.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code bin/tributary bench sink|sqlite|timescale}: runs a benchmark on local servers (or --pg-url) and prints
 * the figures.
 */
final class Bench {
    private Bench() {
    }

    private static void sqlite(String[] args) throws Exception {
        int rows = 1_000_000;
        int rate = 2000;
        int seconds = 10;
        Double restart = null;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(args[i + 1]);
                case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--restart" -> restart = Double.parseDouble(args[i + 1]);
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
            System.out.println(restart != null
                    ? io.tributary.capture.sqlite.RestartBench.run(kafka.bootstrapServers(), registry.url(), dir, rows, restart)
                    : io.tributary.capture.sqlite.SqliteBench.run(kafka.bootstrapServers(), registry.url(), dir, rows, rate, seconds));
        }
    }

    /**
     * {@code bench timescale [--rows N] [--live N] [--pg-url JDBC_URL]}: on a local PostgreSQL with TimescaleDB,
     * its scheduler off (or the server of --pg-url: two databases are created there); skipped, with the reason,
     * where TimescaleDB is not installed.
     */
    private static void timescale(String[] args) throws Exception {
        long rows = 10_000_000;
        long live = 200_000;
        String url = null;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rows = Long.parseLong(args[i + 1]);
                case "--live" -> live = Long.parseLong(args[i + 1]);
                case "--pg-url" -> url = args[i + 1];
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        String reason = LocalTimescale.unavailableReason();
        if (url == null && reason != null) {
            System.out.println("timescale benchmark skipped: " + reason);
            return;
        }
        LocalTimescale server = url == null ? LocalTimescale.start(Files.createTempDirectory("tributary-bench-timescale-").resolve("pg")) : null;
        String base = server == null ? url : server.jdbcUrl("postgres");
        try {
            String hyper = TestServers.newDatabase(base, "bench_hypertable"); // dropped first when they exist
            String plain = TestServers.newDatabase(base, "bench_plain");
            System.out.println("timescale benchmark (experiment_metrics of the ML-experiments workload)");
            System.out.println(TimescaleBench.run(hyper, plain, rows, live));
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (OpsBench.run(args) || io.tributary.ops.local.bench.PipelineBench.run(args) || io.tributary.ops.local.bench.SnapshotBench.run(args)) {
            return;
        }
        if (args.length > 0 && args[0].equals("sqlite")) {
            sqlite(args);
            return;
        }
        if (args.length > 0 && args[0].equals("timescale")) {
            timescale(args);
            return;
        }
        if (args.length == 0 || !args[0].equals("sink")) {
            System.err.println("usage: tributary bench sink [--rows N] [--updates N] [--pg-url JDBC_URL]\n"
                    + "       tributary bench sqlite [--rows N] [--rate COMMITS_PER_S] [--seconds N] [--restart PERCENT]\n"
                    + "       tributary bench reconcile [--rows N] [--source sqlite|postgres] [--heap SIZE]\n"
                    + "       tributary bench replay [--rows N]\n"
                    + "       tributary bench timescale [--rows N] [--live N] [--pg-url JDBC_URL]\n"
                    + "       tributary bench pipeline [sqlite|postgres|stream] [--rows N] [--heap SIZE] [--profile DIR] [--partitions N] [--instances N] [--kafka KEY=VALUE] [--seconds N] [--clients N] [--rate TPS] [--synchronous-commit on|off]\n"
                    + "       tributary bench postgres-snapshot [--rows N] [--workers 1,2,4] [--heap SIZE] [--profile DIR]");
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
