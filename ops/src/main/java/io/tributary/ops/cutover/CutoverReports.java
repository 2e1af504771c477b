package io.tributary.ops.cutover;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.common.sql.Sequences;
import io.tributary.ops.reconcile.report.JsonReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.Locale;

/**
 * The cutover's reports: for people, a line per table with its verdict and reasons; for machines, one JSON
 * document: {@code verdict} ({@code go}/{@code no-go}), {@code service}, {@code seconds}, the {@code fence}
 * ({@code passed}, {@code waiting_for}, {@code sources}, {@code seconds}) and per table its {@code verdict},
 * {@code reasons}, {@code lag_seconds}, {@code sequences} and the {@code reconcile} object of
 * {@code tributary reconcile --json}.
 */
public final class CutoverReports {
    private CutoverReports() {
    }

    public static void text(Cutover.Report report, PrintWriter out) {
        Fence.Outcome f = report.fence();
        out.printf(Locale.ROOT, "fence: %s in %.1f s (%s)%n", f.passed() ? "passed" : "NOT passed", f.seconds(), String.join("; ", f.sources()));
        for (TableVerdict t : report.tables()) {
            out.printf(Locale.ROOT, "%-6s %-20s %-40s lag %.1f s, %d of %d rows differ%s%n", t.word(), t.service(), t.table(), t.lagSeconds(),
                    t.reconcile().differing(), t.reconcile().sourceRows(), sequences(t));
            for (String reason : t.reasons()) {
                out.println("       - " + reason);
            }
        }
        long go = report.tables().stream().filter(TableVerdict::go).count();
        out.printf(Locale.ROOT, "CUTOVER %s: %d of %d tables of service %s go%n", report.go() ? "GO" : "NO-GO", go, report.tables().size(),
                report.service());
        out.flush();
    }

    private static String sequences(TableVerdict t) {
        StringBuilder b = new StringBuilder();
        for (Sequences.Sequence s : t.sequences()) {
            b.append(", ").append(s.sequence()).append(" next ").append(s.next());
        }
        return b.toString();
    }

    public static void json(Cutover.Report report, Writer out) throws IOException {
        try (JsonGenerator g = new ObjectMapper().getFactory().createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET); // the caller's writer: standard output, or its own file
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("verdict", report.go() ? "go" : "no-go");
            g.writeStringField("service", report.service());
            g.writeNumberField("seconds", round(report.seconds()));
            g.writeObjectFieldStart("fence");
            g.writeBooleanField("passed", report.fence().passed());
            g.writeStringField("waiting_for", report.fence().waitingFor());
            g.writeObjectField("sources", report.fence().sources());
            g.writeNumberField("seconds", round(report.fence().seconds()));
            g.writeEndObject();
            g.writeArrayFieldStart("tables");
            for (TableVerdict t : report.tables()) {
                table(t, g);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        out.write(System.lineSeparator());
        out.flush();
    }

    private static void table(TableVerdict t, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("table", t.table());
        g.writeStringField("verdict", t.word());
        g.writeObjectField("reasons", t.reasons());
        g.writeNumberField("lag_seconds", round(t.lagSeconds()));
        g.writeArrayFieldStart("sequences");
        for (Sequences.Sequence s : t.sequences()) {
            g.writeStartObject();
            g.writeStringField("column", s.column());
            g.writeStringField("sequence", s.sequence());
            g.writeNumberField("next", s.next());
            if (s.highest() == null) {
                g.writeNullField("highest");
            } else {
                g.writeNumberField("highest", s.highest());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeFieldName("reconcile");
        JsonReport.table(t.reconcile(), g);
        g.writeEndObject();
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }
}
