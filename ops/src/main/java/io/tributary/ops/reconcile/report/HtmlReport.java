package io.tributary.ops.reconcile.report;

import io.tributary.ops.reconcile.Difference;
import io.tributary.ops.reconcile.TableReport;
import java.io.IOException;
import java.io.Writer;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The reconcile report as one self-contained HTML page (no script, no outside style or font): a summary
 * table with each table's counts and verdict, then per table its first differing rows with the source and
 * the target row side by side, the differing values marked.
 */
public final class HtmlReport {
    private static final String STYLE = """
            body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:2em}
            table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
            th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}.PASS{color:#176f2c;font-weight:bold}
            .FAIL,.ERROR{color:#b00020;font-weight:bold}td.diff{background:#ffe3e3}code{font:12px ui-monospace,monospace;white-space:pre-wrap}
            .muted{color:#777}""";

    private HtmlReport() {
    }

    public static void write(List<TableReport> reports, Writer out) throws IOException {
        boolean pass = reports.stream().allMatch(TableReport::passed);
        out.write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tributary reconcile: " + (pass ? "PASS" : "FAIL")
                + "</title><style>" + STYLE + "</style></head><body>\n");
        out.write("<h1>Tributary reconcile: <span class=\"" + (pass ? "PASS" : "FAIL") + "\">" + (pass ? "PASS" : "FAIL") + "</span></h1>\n");
        out.write("<p class=\"muted\">" + esc(Instant.now().toString()) + "</p>\n<table><tr><th>service</th><th>table</th><th>mode</th>"
                + "<th>source rows</th><th>target rows</th><th>compared</th><th>missing</th><th>extra</th><th>changed</th><th>mismatch</th>"
                + "<th>gate</th><th>verdict</th><th>seconds</th></tr>\n");
        for (TableReport r : reports) {
            out.write("<tr><td>" + esc(r.service()) + "</td><td><a href=\"#" + anchor(r) + "\">" + esc(r.table()) + "</a></td><td>" + esc(r.mode())
                    + "</td>" + num(r.sourceRows()) + num(r.targetRows()) + num(r.comparedRows()) + num(r.missing()) + num(r.extra())
                    + num(r.changed()) + "<td class=\"n\">" + TextReport.percent(r.mismatchRate()) + "</td><td class=\"n\">"
                    + TextReport.percent(r.maxMismatchRate()) + "</td><td class=\"" + r.verdict() + "\">" + r.verdict() + "</td><td class=\"n\">"
                    + String.format(Locale.ROOT, "%.1f", r.seconds()) + "</td></tr>\n");
        }
        out.write("</table>\n");
        for (TableReport r : reports) {
            table(r, out);
        }
        out.write("</body></html>\n");
        out.flush();
    }

    private static void table(TableReport r, Writer out) throws IOException {
        out.write("<h2 id=\"" + anchor(r) + "\">" + esc(r.service()) + " &middot; " + esc(r.table()) + " <span class=\"" + r.verdict() + "\">"
                + r.verdict() + "</span></h2>\n");
        if (r.error() != null) {
            out.write("<p class=\"ERROR\">" + esc(r.error()) + "</p>\n");
            return;
        }
        for (String n : r.notes()) {
            out.write("<p class=\"muted\">" + esc(n) + "</p>\n");
        }
        if (r.differences().isEmpty()) {
            out.write("<p>No differing rows.</p>\n");
            return;
        }
        out.write("<p>First " + r.differences().size() + " of " + r.differing() + " differing rows (key " + esc(String.join(", ", r.key()))
                + "):</p>\n");
        for (Difference d : r.differences()) {
            out.write("<table><tr><th>" + esc(d.kind().word()) + " " + esc(String.join(", ", d.key())) + "</th><th>source</th><th>target</th></tr>\n");
            for (int i = 0; i < r.columns().size(); i++) {
                String col = r.columns().get(i);
                boolean differs = d.kind() != Difference.Kind.CHANGED || d.columns().contains(col);
                String cls = differs ? " class=\"diff\"" : "";
                out.write("<tr><td>" + esc(col) + "</td><td" + cls + "><code>" + esc(Values.of(d.source(), i)) + "</code></td><td" + cls + "><code>"
                        + esc(Values.of(d.target(), i)) + "</code></td></tr>\n");
            }
            out.write("</table>\n");
        }
    }

    private static String num(long n) {
        return "<td class=\"n\">" + String.format(Locale.ROOT, "%,d", n) + "</td>";
    }

    private static String anchor(TableReport r) {
        return "t-" + Integer.toHexString((r.service() + "/" + r.table()).hashCode());
    }

    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                case '\u0000' -> sb.append("\\0");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
