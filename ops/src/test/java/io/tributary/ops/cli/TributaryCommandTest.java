package io.tributary.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line's contract: help everywhere, a version, completion, and the documented exit codes. */
class TributaryCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = TributaryCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void everyCommandHasHelp() {
        CommandLine cl = TributaryCommand.commandLine();
        assertTrue(cl.getSubcommands().size() >= 5, cl.getSubcommands().keySet().toString());
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(warnings, true)); // picocli warns there about a description it cannot format
        try {
            for (String name : cl.getSubcommands().keySet()) {
                out.getBuffer().setLength(0);
                assertEquals(0, run(name, "--help"), name);
                assertTrue(out.toString().contains("Usage: tributary " + name), name + ": " + out);
            }
        } finally {
            System.setErr(stderr);
        }
        assertTrue(!warnings.toString().contains("Could not format"), "a description with an unescaped %: " + warnings);
        out.getBuffer().setLength(0);
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("Exit codes:") && out.toString().contains("capture-sqlite"), out.toString());
    }

    @Test
    void printsItsVersion() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().matches("(?s)tributary \\d+\\.\\d+\\.\\d+.*"), out.toString());
    }

    @Test
    void badCommandLinesExit2WithTheReason() {
        assertEquals(2, run("no-such-command"));
        assertTrue(err.toString().contains("no-such-command"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("sink"));
        assertTrue(err.toString().contains("--config"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("--log-format", "xml", "sink", "--config", "x.yaml"));
        assertTrue(err.toString().contains("--log-format") && err.toString().contains("xml"), err.toString());
    }

    @Test
    void aBrokenPipelineFileExits2() throws Exception {
        Path f = Files.createTempFile("pipeline", ".yaml");
        Files.writeString(f, "kafka: {}\n");
        assertEquals(2, run("transform", "--config", f.toString()));
    }

    @Test
    void resnapshotNamesWhatIsWrongWithItsSourceOrTableAndExits2() throws Exception {
        Path f = Files.createTempFile("pipeline", ".yaml");
        Files.writeString(f, """
                kafka: { bootstrap: "localhost:1" }
                registry: { url: "http://localhost:1" }
                sources:
                  - name: mono
                    postgres: { url: "jdbc:postgresql://localhost:1/db", user: u, slot: s, publication: p }
                    tables: [public.trades, audit.trades, public.fills]
                  - name: lite
                    sqlite: { path: "app.db" }
                    tables: [runs]
                services:
                  - name: svc
                    target: { url: "jdbc:postgresql://localhost:1/t", user: u }
                    tables: [mono.public.trades, lite.main.runs]
                """);
        assertEquals(2, run("resnapshot", "--config", f.toString(), "--source", "nope", "--table", "trades"));
        assertTrue(err.toString().contains("no source 'nope'") && err.toString().contains("mono, lite"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("resnapshot", "--config", f.toString(), "--source", "mono", "--table", "trades"));
        assertTrue(err.toString().contains("more than one table named 'trades'") && err.toString().contains("audit.trades"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("resnapshot", "--config", f.toString(), "--source", "mono", "--table", "public.nope"));
        assertTrue(err.toString().contains("no table 'public.nope'"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("resnapshot", "--config", f.toString(), "--source", "mono"));
        assertTrue(err.toString().contains("--table"), err.toString());
    }

    @Test
    void jsonLogsOnRequest() throws Exception {
        Path f = Files.createTempFile("pipeline", ".yaml");
        Files.writeString(f, "kafka: {}\n");
        assertEquals(2, run("--log-format", "json", "sink", "--config", f.toString()));
        var config = org.apache.logging.log4j.core.LoggerContext.getContext(false).getConfiguration();
        assertTrue(config.getAppenders().values().stream()
                        .anyMatch(a -> a.getLayout() instanceof org.apache.logging.log4j.layout.template.json.JsonTemplateLayout),
                config.getAppenders().toString());
    }

    @Test
    void bothLogConfigurationsParse() throws Exception {
        for (String name : new String[] {"/tributary-log4j2.xml", "/tributary-log4j2-json.xml"}) {
            try (var in = TributaryCommand.class.getResourceAsStream(name)) {
                var doc = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
                assertEquals("SYSTEM_ERR", ((org.w3c.dom.Element) doc.getElementsByTagName("Console").item(0)).getAttribute("target"),
                        name + ": logs go to standard error");
            }
        }
    }

    @Test
    void generatesAShellCompletionScript() {
        assertEquals(0, run("generate-completion"));
        assertTrue(out.toString().contains("complete -F") && out.toString().contains("capture-postgres"), out.toString().substring(0, 200));
    }
}
