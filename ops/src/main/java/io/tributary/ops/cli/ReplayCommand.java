package io.tributary.ops.cli;

import io.tributary.common.config.PipelineConfig;
import io.tributary.ops.reconcile.ReconcileOptions;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.ops.replay.Replay;
import io.tributary.ops.replay.ReplayedTable;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tributary replay}: rebuilds a service's target from its topics with the sink, then reconciles it.
 * See {@link Replay} and docs/operations.md.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Rebuild a service's target database from its topics with the sink (its own consumer group, the same for the same "
                + "service and target, so an interrupted replay resumes), up to the end offsets noted at the start, with a progress bar per "
                + "table on standard error; then reconcile it (the sink keeps applying meanwhile) and print the verdict.",
                "Exit 0 when every table passes its gate, 1 when one does not or the sink fails, 2 for a bad command line, pipeline file "
                        + "or unreachable server."})
final class ReplayCommand implements Callable<Integer> {
    private static final long PARKED_WAIT_MS = 10_000;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    OpsConfig.FileOption config;

    @Option(names = "--service", required = true, paramLabel = "NAME", description = "the service to replay")
    String service;

    @Option(names = "--to", paramLabel = "JDBC_URL", description = "the database to rebuild (default: the service's own target)")
    String to;

    @Option(names = "--to-user", paramLabel = "USER", description = "the user for --to (default: the service target's user and password)")
    String toUser;

    @Option(names = "--from-time", paramLabel = "TIME", converter = TimeArgs.InstantConverter.class,
            description = "start a fresh replay at the first records written at or after TIME (ISO instant, date, or an age such as 2h)")
    Instant fromTime;

    @Option(names = "--follow", description = "after reconciling, keep applying new records until stopped (SIGTERM, Ctrl-C)")
    boolean follow;

    @Mixin
    ReconcileArgs args;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        OpsConfig ops = OpsConfig.load(spec, config, service, null);
        if (ops == null) {
            return TributaryCommand.USAGE;
        }
        ReconcileOptions options = args.options(spec);
        if (ops.services().isEmpty() && ops.failed()) { // no such service: nothing else is worth checking
            return TributaryCommand.USAGE;
        }
        ops.kafkaAndRegistry();
        PipelineConfig.Service svc = ops.service();
        PipelineConfig.Database target = to == null ? null : new PipelineConfig.Database(to, toUser != null ? toUser : svc.target().user(),
                svc.target().password());
        Replay replay = new Replay(ops.pipeline(), svc, target);
        if (ops.databases(replay.pipeline(), List.of(replay.pipeline().service(service).orElseThrow())).failed()) {
            return TributaryCommand.USAGE;
        }
        return replay(replay, options, err);
    }

    private int replay(Replay replay, ReconcileOptions options, PrintWriter err) throws Exception {
        Thread stop = new Thread(() -> {
            try {
                replay.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "replay-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        boolean terminal = System.console() != null;
        try {
            try {
                replay.start(fromTime, System.err, terminal);
            } catch (IllegalStateException e) { // a topic missing, Kafka refusing the offsets: nothing was applied
                err.println("replay of " + service + " cannot start: " + e.getMessage());
                return TributaryCommand.USAGE;
            }
            if (!replay.awaitCaughtUp()) {
                err.println("replay of " + service + " stopped before it caught up: " + replay.failure()
                        + "; fix the cause and run the same command again: it resumes where it stopped");
                return TributaryCommand.FAILED;
            }
            long parked = replay.awaitParked(PARKED_WAIT_MS);
            Map<String, Object> figures = figures(replay, parked);
            if (!args.json) {
                printFigures(figures, spec.commandLine().getOut());
            }
            List<TableReport> reports = replay.reconcile(options, new StderrProgress(System.err, terminal));
            int code = args.report(reports, spec.commandLine().getOut(), "replay", figures);
            if (follow) {
                err.println("replay of " + service + " is following its topics; stop it with SIGTERM or Ctrl-C");
                replay.join();
                return TributaryCommand.OK;
            }
            replay.close();
            return code;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it stops the sink
            }
        }
    }

    private Map<String, Object> figures(Replay replay, long parked) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<ReplayedTable> tables = replay.tables();
        long records = tables.stream().mapToLong(ReplayedTable::done).sum();
        double seconds = tables.stream().mapToDouble(ReplayedTable::seconds).max().orElse(0);
        m.put("service", service);
        m.put("target", replay.pipeline().service(service).orElseThrow().target().url());
        m.put("group", replay.group());
        m.put("resumed", replay.offsets().resumed());
        m.put("records", records);
        m.put("seconds", Math.round(seconds * 1000) / 1000.0);
        m.put("rows_per_second", Math.round(records / Math.max(seconds, 1e-3)));
        m.put("parked", parked);
        List<Map<String, Object>> per = new ArrayList<>();
        for (ReplayedTable t : tables) {
            per.add(Map.of("table", t.table(), "records", t.done(), "rows_per_second", Math.round(t.perSecond())));
        }
        m.put("tables", per);
        return m;
    }

    private static void printFigures(Map<String, Object> f, PrintWriter out) {
        out.printf(Locale.ROOT, "replay %s into %s (group %s%s): %,d records in %.1f s, %,d rows/s%n", f.get("service"), f.get("target"),
                f.get("group"), Boolean.TRUE.equals(f.get("resumed")) ? ", resumed" : "", (Long) f.get("records"), (Double) f.get("seconds"),
                (Long) f.get("rows_per_second"));
        if ((Long) f.get("parked") > 0) {
            out.printf("  %d events still wait for a parent row in the target (_tributary_parked): reconcile reports their rows missing%n",
                    (Long) f.get("parked"));
        }
        out.println();
        out.flush();
    }
}
