package io.tributary.ops.reconcile.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.ops.reconcile.TableReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON report as {@code --json} writes it on standard output: a whole line, and the caller's writer stays open. */
class JsonReportTest {
    private static final TableReport ORDERS = new TableReport("billing", "app.main.orders", "all rows", 3, 3, 3, 0, 0, 0, 0, 0,
            List.of("id", "label"), List.of("id"), List.of(), List.of(), null, 0.25);

    @Test
    void endsWithANewlineAndLeavesTheWriterOpen() throws Exception {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text, true); // as picocli hands it to a command: errors are swallowed, not thrown
        JsonReport.write(List.of(ORDERS), out, "replay", Map.of("records", 3));

        assertTrue(text.toString().endsWith(System.lineSeparator()), "ends with a newline: [" + text + "]");
        JsonNode report = new ObjectMapper().readTree(text.toString());
        assertEquals("PASS", report.path("verdict").asText());
        assertEquals(3, report.path("replay").path("records").asInt());
        assertEquals("app.main.orders", report.path("tables").get(0).path("table").asText());

        out.print("after");
        out.flush();
        assertFalse(out.checkError(), "the caller's writer is still open");
        assertTrue(text.toString().endsWith(System.lineSeparator() + "after"), text.toString());
    }
}
