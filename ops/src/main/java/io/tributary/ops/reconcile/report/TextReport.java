package io.tributary.ops.reconcile.report;

import io.tributary.ops.reconcile.Difference;
import io.tributary.ops.reconcile.TableReport;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** The reconcile report for a terminal: one line per table, then the first differing rows of each table that did not pass. */
public final class TextReport {
    private static final int ROWS_SHOWN = 5;
    private static final int VALUE_WIDTH = 40;

    private TextReport() {
    }

    public static void write(List<TableReport> reports, PrintWriter out) {
        String head = "%-16s %-40s %12s %12s %12s %8s %8s %8s %10s %8s  %-7s %8s%n";
        out.printf(Locale.ROOT, head, "service", "table", "source", "target", "compared", "missing", "extra", "changed", "mismatch", "gate",
                "verdict", "seconds");
        for (TableReport r : reports) {
            out.printf(Locale.ROOT, "%-16s %-40s %,12d %,12d %,12d %,8d %,8d %,8d %10s %8s  %-7s %8.1f%n", r.service(), r.table(), r.sourceRows(),
                    r.targetRows(), r.comparedRows(), r.missing(), r.extra(), r.changed(), percent(r.mismatchRate()), percent(r.maxMismatchRate()),
                    r.verdict(), r.seconds());
        }
        for (TableReport r : reports) {
            if (r.error() != null) {
                out.printf("%n%s %s: %s%n", r.service(), r.table(), r.error());
            } else if (!r.differences().isEmpty()) {
                details(r, out);
            }
        }
        long failed = reports.stream().filter(r -> !r.passed()).count();
        out.printf("%n%s: %d of %d tables pass%n", failed == 0 ? "PASS" : "FAIL", reports.size() - failed, reports.size());
        out.flush();
    }

    private static void details(TableReport r, PrintWriter out) {
        out.printf("%n%s %s (%s): first differing rows, key %s%n", r.service(), r.table(), r.mode(), r.key());
        for (Difference d : r.differences().subList(0, Math.min(ROWS_SHOWN, r.differences().size()))) {
            out.printf("  %-8s %s%n", d.kind().word(), d.key());
            List<String> cols = d.kind() == Difference.Kind.CHANGED ? d.columns() : r.columns();
            for (String c : cols) {
                int i = r.columns().indexOf(c);
                out.printf("           %-24s source %-" + VALUE_WIDTH + "s target %s%n", c, cut(Values.of(d.source(), i)), cut(Values.of(d.target(), i)));
            }
        }
        if (r.differences().size() > ROWS_SHOWN) {
            out.printf("  ... %d more in --json or --html%n", r.differences().size() - ROWS_SHOWN);
        }
        r.notes().forEach(n -> out.printf("  note: %s%n", n));
    }

    private static String cut(String v) {
        return v.length() <= VALUE_WIDTH ? v : v.substring(0, VALUE_WIDTH - 3) + "...";
    }

    static String percent(double rate) {
        return String.format(Locale.ROOT, "%.4f%%", rate * 100);
    }
}
