package io.tributary.ops.cli;

import io.tributary.ops.reconcile.ReconcileOptions;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.ops.reconcile.report.HtmlReport;
import io.tributary.ops.reconcile.report.JsonReport;
import io.tributary.ops.reconcile.report.TextReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** How to reconcile and how to report it: the options {@code reconcile} and {@code replay} share. */
final class ReconcileArgs {
    @Option(names = "--tolerance", paramLabel = "COLUMN=REL", description = {"relative tolerance of a floating-point or numeric column, "
            + "e.g. metric_value=0.0001 (0.01%%); COLUMN is table.column, column, or * for all such columns (repeatable)"})
    Map<String, Double> tolerances = new LinkedHashMap<>();

    @Option(names = "--since", paramLabel = "TIME", converter = TimeArgs.InstantConverter.class,
            description = "compare only rows whose time column is at or after TIME (ISO instant, date, or an age such as 7d)")
    Instant since;

    @Option(names = "--until", paramLabel = "TIME", converter = TimeArgs.InstantConverter.class,
            description = "compare only rows whose time column is before TIME")
    Instant until;

    @Option(names = "--time-column", paramLabel = "TABLE=COLUMN",
            description = "the time column of --since/--until for a table (default: its TimescaleDB time column; tables without one are compared whole)")
    Map<String, String> timeColumns = new LinkedHashMap<>();

    @Option(names = "--last", paramLabel = "N", defaultValue = "0", description = "compare only the N rows with the highest keys (and any target rows above them)")
    long last;

    @Option(names = "--sample", paramLabel = "FRACTION", defaultValue = "1", description = "compare this share of key ranges (default all)")
    double sample;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "which key ranges --sample picks")
    long seed;

    @Option(names = "--max-mismatch-rate", paramLabel = "RATE", defaultValue = "0", converter = RateConverter.class,
            description = "a table passes when differing rows / compared rows <= RATE (0.001 or 0.1%%; default 0: every row equal)")
    double maxMismatchRate;

    @Option(names = "--settle", paramLabel = "DURATION", defaultValue = "10s", converter = TimeArgs.DurationConverter.class,
            description = "report a differing row only if it still differs after this long (rows in flight converge; default ${DEFAULT-VALUE}; 0 = one pass)")
    Duration settle;

    @Option(names = "--show", paramLabel = "N", defaultValue = "20", description = "differing rows kept per table in the report (default ${DEFAULT-VALUE})")
    int show;

    @Option(names = "--range-rows", paramLabel = "N", defaultValue = "10000", hidden = true, description = "rows per checksummed key range")
    int rangeRows;

    @Option(names = "--json", description = "write the report as JSON on standard output (nothing else goes there)")
    boolean json;

    @Option(names = "--html", paramLabel = "FILE", description = "also write the report as a self-contained HTML page")
    Path html;

    /** The options; a value out of range is a {@link picocli.CommandLine.ParameterException} (exit 2). */
    ReconcileOptions options(picocli.CommandLine.Model.CommandSpec spec) {
        try {
            return options();
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    ReconcileOptions options() {
        return new ReconcileOptions(tolerances, since, until, timeColumns, last, sample, seed, maxMismatchRate, settle, rangeRows,
                64, show, 10_000);
    }

    /** Writes the report (text or JSON on {@code out}, and the HTML page); returns the exit code: 0 when every table passes. */
    int report(List<TableReport> reports, PrintWriter out) throws IOException {
        return report(reports, out, null, null);
    }

    /** The same, with another section in the JSON report (the text for it is the caller's). */
    int report(List<TableReport> reports, PrintWriter out, String extraName, Object extra) throws IOException {
        if (json) {
            JsonReport.write(reports, out, extraName, extra);
        } else {
            TextReport.write(reports, out);
        }
        if (html != null) {
            try (Writer w = Files.newBufferedWriter(html, StandardCharsets.UTF_8)) {
                HtmlReport.write(reports, w);
            }
        }
        return !reports.isEmpty() && reports.stream().allMatch(TableReport::passed) ? TributaryCommand.OK : TributaryCommand.FAILED;
    }
}
