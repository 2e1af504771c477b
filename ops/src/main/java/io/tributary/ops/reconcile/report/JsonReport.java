package io.tributary.ops.reconcile.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.ops.reconcile.Difference;
import io.tributary.ops.reconcile.TableReport;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * The reconcile report for machines (the only thing {@code --json} writes on standard output):
 * {@code {"verdict": "PASS"|"FAIL", "tables": [...]}}, each table with its counts, mismatch rate, gate,
 * verdict, error, notes and first differing rows ({@code kind}, {@code key}, {@code columns} that differ,
 * and the {@code source} and {@code target} rows as column-to-value objects, null for a missing side).
 */
public final class JsonReport {
    private JsonReport() {
    }

    public static void write(List<TableReport> reports, Writer out) throws IOException {
        write(reports, out, null, null);
    }

    /** The report with one more top-level field before the tables (maps, lists, strings and numbers), e.g. replay's figures. */
    public static void write(List<TableReport> reports, Writer out, String extraName, Object extra) throws IOException {
        try (JsonGenerator g = new ObjectMapper().getFactory().createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET); // the caller's writer (standard output): closing it would drop the final newline
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            if (extraName != null) {
                g.writeObjectField(extraName, extra);
            }
            g.writeStringField("verdict", reports.stream().allMatch(TableReport::passed) ? "PASS" : "FAIL");
            g.writeArrayFieldStart("tables");
            for (TableReport r : reports) {
                table(r, g);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        out.write(System.lineSeparator());
        out.flush();
    }

    /** One table's object, as the {@code tables} array holds it (the cutover report embeds it too). */
    public static void table(TableReport r, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("service", r.service());
        g.writeStringField("table", r.table());
        g.writeStringField("mode", r.mode());
        g.writeNumberField("source_rows", r.sourceRows());
        g.writeNumberField("target_rows", r.targetRows());
        g.writeNumberField("compared_rows", r.comparedRows());
        g.writeNumberField("missing", r.missing());
        g.writeNumberField("extra", r.extra());
        g.writeNumberField("changed", r.changed());
        g.writeNumberField("unsettled", r.unsettled());
        g.writeNumberField("mismatch_rate", r.mismatchRate());
        g.writeNumberField("max_mismatch_rate", r.maxMismatchRate());
        g.writeStringField("verdict", r.verdict());
        g.writeNumberField("seconds", Math.round(r.seconds() * 1000) / 1000.0);
        g.writeStringField("error", r.error());
        g.writeArrayFieldStart("key");
        for (String k : r.key()) {
            g.writeString(k);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("notes");
        for (String n : r.notes()) {
            g.writeString(n);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("differences");
        for (Difference d : r.differences()) {
            difference(r, d, g);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void difference(TableReport r, Difference d, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("kind", d.kind().word());
        g.writeArrayFieldStart("key");
        for (String k : d.key()) {
            g.writeString(k);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("columns");
        for (String c : d.columns()) {
            g.writeString(c);
        }
        g.writeEndArray();
        row("source", r, d.source(), g);
        row("target", r, d.target(), g);
        g.writeEndObject();
    }

    private static void row(String name, TableReport r, io.tributary.ops.reconcile.Row row, JsonGenerator g) throws IOException {
        if (row == null) {
            g.writeNullField(name);
            return;
        }
        g.writeObjectFieldStart(name);
        for (int i = 0; i < r.columns().size(); i++) {
            String v = row.values()[i];
            g.writeStringField(r.columns().get(i), v == null ? null : Values.of(row, i));
        }
        g.writeEndObject();
    }
}
