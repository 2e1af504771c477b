package io.tributary.ops.cli;

import io.tributary.ops.reconcile.ReconcileOptions;
import io.tributary.ops.reconcile.Reconciler;
import io.tributary.ops.reconcile.TableReport;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tributary reconcile}: compares every owned table (of one service, or one table) with its source,
 * in the target's terms, and exits 0 only when every table passes its gate. See docs/operations.md.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = {"Compare each owned table with its source, in the target's terms: counts, then checksums over key ranges narrowed "
                + "by bisection to the rows that differ (streaming reads, bounded memory).",
                "A differing row counts only if it still differs after --settle. Progress on standard error.",
                "Exit 0 when every table passes its gate, 1 when one does not, 2 for a bad command line, pipeline file or unreachable database."})
final class ReconcileCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    OpsConfig.FileOption config;

    @Option(names = "--service", paramLabel = "NAME", description = "only this service's tables (default: every service)")
    String service;

    @Option(names = "--table", paramLabel = "NAME", description = "only this table (table, schema.table or source.schema.table)")
    String table;

    @Mixin
    ReconcileArgs args;

    @Override
    public Integer call() throws Exception {
        OpsConfig ops = OpsConfig.load(spec, config, service, table);
        if (ops == null || ops.databases().failed()) {
            return TributaryCommand.USAGE;
        }
        ReconcileOptions options = args.options(spec);
        List<TableReport> reports = Reconciler.reconcile(ops.pipeline(), options, service, table,
                new StderrProgress(System.err, System.console() != null));
        return args.report(reports, spec.commandLine().getOut());
    }
}
