package io.tributary.ops.cli;

import io.tributary.ops.cutover.Cutover;
import io.tributary.ops.cutover.CutoverOptions;
import io.tributary.ops.cutover.CutoverReports;
import io.tributary.ops.cutover.TableVerdict;
import io.tributary.ops.reconcile.report.HtmlReport;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tributary cutover}: says whether a service may take its tables over from their sources. See
 * docs/operations.md and the runbook, docs/cutover.md.
 */
@Command(name = "cutover", mixinStandardHelpOptions = true,
        description = {"Wait until the service's sink has applied everything its sources had committed when the command started (a fence), "
                + "reconcile every owned table, move each table's sequences past its highest key, and say go or no-go per table with the reasons.",
                "The reconcile options (--max-mismatch-rate 0.1%%, --settle, --tolerance, --last, ...) are the gates of reconcile. Exit 0 only when every table is go; 1 for a no-go; 2 for a bad command line, pipeline file or unreachable server."})
final class CutoverCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    OpsConfig.FileOption config;

    @Option(names = "--service", required = true, paramLabel = "NAME", description = "the service taking its tables over")
    String service;

    @Option(names = "--max-lag", paramLabel = "DURATION", converter = TimeArgs.DurationConverter.class,
            description = "a table is go when, once the fence is passed, its oldest record not yet applied is at most this old (e.g. 1s; default: not a gate)")
    Duration maxLag;

    @Option(names = "--fence-timeout", paramLabel = "DURATION", defaultValue = "10m", converter = TimeArgs.DurationConverter.class,
            description = "how long to wait for the fence; past it every table is no-go, saying which stage was behind (default ${DEFAULT-VALUE})")
    Duration fenceTimeout;

    @CommandLine.Mixin
    ReconcileArgs args;

    @Option(names = "--report", paramLabel = "FILE", description = "also write the JSON report to FILE")
    Path report;

    @Override
    public Integer call() throws Exception {
        OpsConfig ops = OpsConfig.load(spec, config, service, null);
        if (ops == null || ops.databases().kafkaAndRegistry().failed()) {
            return TributaryCommand.USAGE;
        }
        Cutover.Report result = Cutover.run(ops.pipeline(), ops.service(), options(), new StderrProgress(System.err, System.console() != null));
        if (args.json) {
            CutoverReports.json(result, spec.commandLine().getOut());
        } else {
            CutoverReports.text(result, spec.commandLine().getOut());
        }
        if (args.html != null) {
            try (Writer w = Files.newBufferedWriter(args.html, StandardCharsets.UTF_8)) {
                HtmlReport.write(result.tables().stream().map(TableVerdict::reconcile).toList(), w);
            }
        }
        if (report != null) {
            try (Writer w = Files.newBufferedWriter(report, StandardCharsets.UTF_8)) {
                CutoverReports.json(result, w);
            }
        }
        return result.go() ? TributaryCommand.OK : TributaryCommand.FAILED;
    }

    /** The gates; a value out of range is a {@link CommandLine.ParameterException} (exit 2). */
    CutoverOptions options() {
        try {
            return new CutoverOptions(args.options(spec), maxLag, fenceTimeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
