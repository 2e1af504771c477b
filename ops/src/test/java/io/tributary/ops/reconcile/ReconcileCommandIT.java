package io.tributary.ops.reconcile;

import static io.tributary.ops.reconcile.ReconcileFixtures.sql;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.testkit.TestServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tributary reconcile} as an operator calls it: its reports, its gate and its exit codes, on a real SQLite file and PostgreSQL. */
class ReconcileCommandIT {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        CommandLine cl = TributaryCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void reportsAsTextJsonAndHtmlAndExitsByTheGate() throws Exception {
        Path lite = dir.resolve("app.db");
        StringBuilder rows = new StringBuilder();
        for (int i = 1; i <= 2000; i++) {
            rows.append(i == 1 ? "" : ", ").append("(").append(i).append(", 'order ").append(i).append("', ").append(i % 2).append(")");
        }
        sql("jdbc:sqlite:" + lite, "CREATE TABLE orders (id INTEGER PRIMARY KEY, label TEXT NOT NULL, paid BOOLEAN);\nINSERT INTO orders VALUES " + rows + ";\n");
        String target = TestServers.newDatabase("reconcile_command");
        sql(target, "CREATE TABLE orders (id bigint PRIMARY KEY, label text NOT NULL, paid boolean, _tributary_pos bigint[] NOT NULL);\n"
                + "INSERT INTO orders SELECT i, 'order ' || i, i % 2 = 1, '{1}' FROM generate_series(1, 2000) i;\n");
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.writeString(pipeline, """
                kafka: { bootstrap: "localhost:9092" }
                registry: { url: "http://localhost:8081" }
                sources:
                  - name: app
                    sqlite: { path: "%s" }
                    tables: [orders]
                services:
                  - name: billing
                    target: { url: "%s", user: postgres }
                    tables: [app.main.orders]
                """.formatted(lite, target));

        assertEquals(0, run("reconcile", "--config", pipeline.toString(), "--settle", "0"), err.toString());
        assertTrue(out.toString().contains("app.main.orders") && out.toString().contains("PASS: 1 of 1 tables pass"), out.toString());

        sql(target, "UPDATE orders SET label = '<b>tampered</b>' WHERE id = 1500;\n");
        Path html = dir.resolve("report.html");
        assertEquals(1, run("reconcile", "--config", pipeline.toString(), "--settle", "0", "--html", html.toString()));
        assertTrue(out.toString().contains("changed  [1500]") && out.toString().contains("FAIL: 0 of 1 tables pass"), out.toString());
        String page = Files.readString(html);
        assertTrue(page.contains("&lt;b&gt;tampered&lt;/b&gt;") && page.contains("order 1500") && page.contains("class=\"diff\""), page);
        assertTrue(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"), "self-contained");

        assertEquals(0, run("reconcile", "--config", pipeline.toString(), "--settle", "0", "--json", "--max-mismatch-rate", "0.001"));
        assertTrue(out.toString().endsWith(System.lineSeparator()), "the JSON report ends with a newline: " + out);
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertEquals("PASS", report.path("verdict").asText(), "1 of 2000 rows is 0.05%, within a 0.1% gate");
        assertEquals("1500", report.path("tables").get(0).path("differences").get(0).path("key").get(0).asText());
        assertEquals("order 1500", report.path("tables").get(0).path("differences").get(0).path("source").path("label").asText());

        assertEquals(2, run("reconcile", "--config", pipeline.toString(), "--service", "nobody"));
        assertTrue(err.toString().contains("no service named 'nobody'"), err.toString());
        assertEquals(2, run("reconcile", "--config", pipeline.toString(), "--sample", "1.5"));
        assertTrue(err.toString().contains("sample"), err.toString());
        Files.writeString(pipeline, Files.readString(pipeline).replace(target, "jdbc:postgresql://127.0.0.1:1/none"));
        assertEquals(2, run("reconcile", "--config", pipeline.toString()));
        assertTrue(err.toString().contains("services[billing].target") && err.toString().contains("cannot connect"), err.toString());
    }
}
