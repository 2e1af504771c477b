package io.tributary.ops.local.demo;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.ops.PipelineRunner;
import io.tributary.ops.cutover.Cutover;
import io.tributary.ops.cutover.CutoverOptions;
import io.tributary.ops.cutover.TableVerdict;
import io.tributary.ops.reconcile.Progress;
import io.tributary.ops.reconcile.ReconcileOptions;
import io.tributary.ops.reconcile.Reconciler;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.testkit.LocalPostgres;
import io.tributary.testkit.LocalStack;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/tributary demo}: the main job on its embedded default. Starts a real Kafka broker, schema
 * registry and PostgreSQL locally, creates the trading monolith on PostgreSQL and the ML-experiments
 * database on SQLite, runs the four deployables, makes live changes in both sources while showing
 * progress, then prints source rows, target rows and the rows that differ per table. Exits 0 only if every
 * table matches. Everything it started is stopped on exit and on Ctrl-C.
 */
public final class Demo {
    private static final PrintStream out = System.out;

    private Demo() {
    }

    /** Runs the demo; 0 when every table matches. */
    public static int run(int liveSeconds, int scale) throws Exception {
        long t0 = System.currentTimeMillis();
        Path work = Files.createTempDirectory("tributary-demo-");
        out.println("Tributary demo: work directory " + work);
        out.println("[1/5] starting a Kafka broker (KRaft), a schema registry (Apicurio) and PostgreSQL 15 ...");
        LocalStack stack = LocalStack.start(work.resolve("servers"));
        PipelineRunner[] runner = new PipelineRunner[1];
        Thread cleanup = new Thread(() -> stopAll(runner[0], stack), "demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            out.printf("      up in %.1f s: kafka=%s registry=%s%n", (System.currentTimeMillis() - t0) / 1000.0, stack.kafkaBootstrap(), stack.registryUrl());
            out.println("[2/5] creating the sources: the trading monolith (PostgreSQL) and the ML-experiments database (SQLite experiments.db) ...");
            String pg = stack.postgresUrl();
            for (String db : List.of("monolith", "api_gateway", "orchestrator", "trading_engine", "ai_decision", "ml_platform")) {
                LocalPostgres.createDatabase(pg, db);
            }
            String monolith = LocalPostgres.withDatabase(pg, "monolith");
            try (Connection c = DriverManager.getConnection(monolith, "postgres", "")) {
                DemoData.createMonolith(c, scale);
            }
            Path sqlite = work.resolve("experiments.db");
            DemoData.createExperiments(sqlite, scale);
            Path pipeline = work.resolve("pipeline.yaml");
            Files.writeString(pipeline, pipelineYaml(stack, sqlite));
            PipelineConfig config = PipelineConfigLoader.load(pipeline, Map.of());
            out.println("      pipeline file: " + pipeline);

            out.println("[3/5] running capture-postgres, capture-sqlite, transform and sink ...");
            runner[0] = new PipelineRunner(pipeline);
            long caughtUp = awaitMatch(config, runner[0], 180);
            out.printf("      initial snapshot replicated in %.1f s%n", caughtUp / 1000.0);

            out.printf("[4/5] live changes in the monolith and in experiments.db for %d s ...%n", liveSeconds);
            liveChanges(monolith, sqlite, liveSeconds, runner[0], t0);
            long lagMs = awaitMatch(config, runner[0], 120);
            out.printf("      target caught up %.2f s after the last change%n", lagMs / 1000.0);

            out.println("[5/5] reconciling every table, source against target ...");
            List<TableReport> report = Reconciler.reconcile(config);
            boolean ok = print(report);
            out.printf("%s in %.1f s%n", ok ? "ALL TABLES MATCH" : "MISMATCH", (System.currentTimeMillis() - t0) / 1000.0);
            boolean go = cutover(config);
            return ok && go ? 0 : 1;
        } finally {
            stopAll(runner[0], stack);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    /**
     * The cutover's verdict for every service, as {@code bin/tributary cutover} gives it: the fence, a reconcile,
     * the sequences moved; a line per table after its reconcile. True when every table is go.
     */
    private static boolean cutover(PipelineConfig config) throws Exception {
        out.println("      cutover: each service's fence, reconcile and sequences ...");
        CutoverOptions options = new CutoverOptions(ReconcileOptions.exact(), null, java.time.Duration.ofSeconds(60));
        boolean go = true;
        for (PipelineConfig.Service s : config.services()) {
            Cutover.Report r = Cutover.run(config, s, options, Progress.NONE);
            for (TableVerdict t : r.tables()) {
                out.printf("  %-16s %-36s cutover %s%s%n", t.service(), t.table(), t.word(), t.go() ? "" : ": " + String.join("; ", t.reasons()));
            }
            go &= r.go();
        }
        out.println(go ? "CUTOVER GO for every table" : "CUTOVER NO-GO");
        return go;
    }

    /** Live changes in both sources for {@code seconds}, with a progress line every 2 s; throws what a workload threw. */
    private static void liveChanges(String monolith, Path sqlite, int seconds, PipelineRunner runner, long t0) throws Exception {
        LiveWorkload live = new LiveWorkload(monolith, 150, seconds * 1000L);
        SqliteLiveWorkload liveSqlite = new SqliteLiveWorkload(sqlite, seconds * 1000L);
        Thread liveThread = new Thread(live, "demo-live-workload");
        Thread sqliteThread = new Thread(liveSqlite, "demo-sqlite-workload");
        liveThread.start();
        sqliteThread.start();
        while (liveThread.isAlive() || sqliteThread.isAlive()) {
            (liveThread.isAlive() ? liveThread : sqliteThread).join(2000); // not a busy loop once one workload has ended
            out.printf("      %5.1f s  postgres: transactions=%d row changes=%d   sqlite: row changes=%d%n",
                    (System.currentTimeMillis() - t0) / 1000.0, live.transactions(), live.rowChanges(), liveSqlite.rowChanges());
            checkDeployables(runner);
        }
        if (live.failure() != null) {
            throw live.failure();
        }
        if (liveSqlite.failure() != null) {
            throw liveSqlite.failure();
        }
    }

    private static String pipelineYaml(LocalStack stack, Path sqlite) {
        String pg = stack.postgresUrl();
        StringBuilder y = new StringBuilder();
        y.append("kafka: { bootstrap: \"").append(stack.kafkaBootstrap()).append("\" }\n");
        y.append("registry: { url: \"").append(stack.registryUrl()).append("\" }\n");
        y.append("http: { bind: 127.0.0.1 }\n"); // the demo's endpoints serve this host only
        y.append("sources:\n");
        y.append("  - name: experiments\n    sqlite: { path: \"").append(sqlite).append("\" }\n");
        y.append("    tables: [experiments, experiment_metrics, model_checkpoints, regime_history]\n");
        y.append("  - name: monolith\n    postgres: { url: \"").append(LocalPostgres.withDatabase(pg, "monolith"))
                .append("\", user: postgres, password: \"${MONOLITH_PASSWORD:-}\", heartbeat-interval: 1s }\n"); // the cutover's fence waits for one
        y.append("    tables: [public.users, public.strategies, public.trades, public.positions, public.ai_decisions, public.agent_status]\n");
        y.append("services:\n");
        service(y, "api-gateway", pg, "api_gateway", "monolith.public.users");
        service(y, "orchestrator", pg, "orchestrator", "monolith.public.strategies, monolith.public.agent_status");
        service(y, "trading-engine", pg, "trading_engine", "monolith.public.trades, monolith.public.positions");
        service(y, "ai-decision", pg, "ai_decision", "monolith.public.ai_decisions");
        service(y, "ml-platform", pg, "ml_platform", "experiments.main.experiments, experiments.main.experiment_metrics, "
                + "experiments.main.model_checkpoints, experiments.main.regime_history");
        y.append("http: { capture-postgres: 0, capture-sqlite: 0, transform: 0, sink: 0 }\n");
        return y.toString();
    }

    private static void service(StringBuilder y, String name, String pg, String db, String tables) {
        y.append("  - name: ").append(name).append("\n    target: { url: \"").append(LocalPostgres.withDatabase(pg, db))
                .append("\", user: postgres }\n    tables: [").append(tables).append("]\n");
    }

    /** Waits until every table matches (or the timeout passes); returns the milliseconds it took. */
    private static long awaitMatch(PipelineConfig config, PipelineRunner runner, int timeoutSeconds) throws Exception {
        long start = System.currentTimeMillis();
        if (!runner.awaitMatch(config, java.time.Duration.ofSeconds(timeoutSeconds)).stream().allMatch(TableReport::matches)) {
            out.printf("      not all tables match after %d s; the table at the end shows which%n", timeoutSeconds);
        }
        return System.currentTimeMillis() - start;
    }

    private static void checkDeployables(PipelineRunner runner) {
        String failed = runner.failed();
        if (failed != null) {
            throw new IllegalStateException("deployable " + failed + " stopped with exit code " + runner.exitCodes().get(failed) + "; see its log above");
        }
    }

    private static boolean print(List<TableReport> report) {
        out.printf("%n  %-16s %-36s %10s %10s %9s %9s %9s  %s%n", "service", "table", "source", "target", "missing", "extra", "changed", "");
        boolean ok = true;
        for (TableReport r : report) {
            out.printf("  %-16s %-36s %10d %10d %9d %9d %9d  %s%n", r.service(), r.table(), r.sourceRows(), r.targetRows(),
                    r.missing(), r.extra(), r.changed(), r.error() != null ? "ERROR: " + r.error() : r.matches() ? "ok" : "MISMATCH");
            ok &= r.matches();
        }
        out.println();
        return ok;
    }

    private static void stopAll(PipelineRunner runner, LocalStack stack) {
        try {
            if (runner != null) {
                runner.close();
            }
            stack.close();
        } catch (Exception e) {
            System.err.println("demo cleanup: " + e);
        }
    }
}
