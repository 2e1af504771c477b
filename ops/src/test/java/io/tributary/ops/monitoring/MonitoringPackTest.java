package io.tributary.ops.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The monitoring pack's structure, without a Grafana or Prometheus server: the dashboard is a well-formed
 * Grafana dashboard whose panels fit the grid and whose variables are defined, it shows what the pack promises,
 * every alert has a severity, a summary and unit tests that make it fire and stay silent, and promtool accepts
 * the rules and passes their tests (where promtool is installed; CI installs it). That every metric the queries
 * name is really exported is MonitoringIT's part.
 */
class MonitoringPackTest {
    private static final Set<String> REQUIRED_ALERTS = Set.of("TributaryDeployableDown", "TributaryLagHigh", "TributaryStageStalled",
            "TributarySourceWritesNotCaptured", "TributarySqliteWritesNotCaptured", "TributarySlotWalHigh", "TributaryGap", "TributaryDeadLetters");

    @Test
    void theDashboardIsAWellFormedGrafanaDashboard() throws IOException {
        JsonNode d = MonitoringPack.dashboard();
        assertFalse(d.path("uid").asText().isBlank(), "a fixed uid, so links and provisioning survive re-imports");
        assertFalse(d.path("title").asText().isBlank());
        assertTrue(d.path("schemaVersion").asInt() >= 36, "a schema Grafana 9 to 11 loads");
        Set<Integer> ids = new HashSet<>();
        List<int[]> boxes = new ArrayList<>();
        for (JsonNode p : MonitoringPack.panels(d)) {
            String where = "panel " + p.path("id") + " '" + p.path("title").asText() + "'";
            assertTrue(ids.add(p.path("id").asInt()), "unique id: " + where);
            assertFalse(p.path("title").asText().isBlank(), where);
            JsonNode g = p.path("gridPos");
            int x = g.path("x").asInt(-1), y = g.path("y").asInt(-1), w = g.path("w").asInt(), h = g.path("h").asInt();
            assertTrue(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24, "inside the 24-column grid: " + where + " " + g);
            for (int[] b : boxes) {
                boolean apart = x + w <= b[0] || b[0] + b[2] <= x || y + h <= b[1] || b[1] + b[3] <= y;
                assertTrue(apart, where + " overlaps another panel at " + java.util.Arrays.toString(b));
            }
            boxes.add(new int[] {x, y, w, h});
            if ("row".equals(p.path("type").asText())) {
                continue;
            }
            assertTrue(Set.of("timeseries", "stat").contains(p.path("type").asText()), "a core panel type: " + where);
            assertEquals("${datasource}", p.path("datasource").path("uid").asText(), "the datasource variable: " + where);
            assertFalse(p.path("description").asText().isBlank(), "says what it shows: " + where);
            Set<String> refIds = new HashSet<>();
            assertTrue(p.path("targets").size() > 0, "has a query: " + where);
            for (JsonNode t : p.path("targets")) {
                assertTrue(refIds.add(t.path("refId").asText()), "unique refId: " + where);
                assertFalse(t.path("expr").asText().isBlank(), "a PromQL expression: " + where);
                assertEquals("${datasource}", t.path("datasource").path("uid").asText(), where);
            }
        }
        Set<String> defined = new HashSet<>();
        d.path("templating").path("list").forEach(v -> defined.add(v.path("name").asText()));
        Pattern var = Pattern.compile("\\$(?!__)(\\w+)|\\$\\{(\\w+)}");
        for (String q : MonitoringPack.dashboardQueries(d)) {
            Matcher m = var.matcher(q);
            while (m.find()) {
                String name = m.group(1) != null ? m.group(1) : m.group(2);
                assertTrue(defined.contains(name), "variable $" + name + " of '" + q + "' is defined");
            }
            assertFalse(MonitoringPack.selectors(q).isEmpty(), "names a metric: " + q);
        }
    }

    @Test
    void theDashboardShowsWhatThePackPromises() throws IOException {
        Set<String> metrics = MonitoringPack.dashboardQueries(MonitoringPack.dashboard()).stream()
                .flatMap(q -> MonitoringPack.selectors(q).stream()).map(MonitoringPack.Selector::metric).collect(Collectors.toSet());
        for (String m : List.of("tributary_pipeline_lag_seconds", "tributary_pipeline_idle_seconds", "tributary_capture_events_total",
                "tributary_transform_events_total", "tributary_sink_rows_total", "tributary_errors_total", "tributary_capture_slot_retained_wal_bytes",
                "tributary_capture_sqlite_wal_bytes", "tributary_capture_gaps_total", "jvm_memory_used_bytes", "jvm_gc_pause_seconds_sum", "up")) {
            assertTrue(metrics.contains(m), "the dashboard shows " + m + "; it uses " + metrics);
        }
    }

    @Test
    void everyAlertIsLabelledExplainedAndUnitTestedBothWays() throws IOException {
        Set<String> alerts = new LinkedHashSet<>();
        for (JsonNode g : MonitoringPack.rules().path("groups")) {
            for (JsonNode r : g.path("rules")) {
                String name = r.path("alert").asText();
                assertTrue(alerts.add(name), "one rule per alert name: " + name);
                assertTrue(Set.of("warning", "critical").contains(r.path("labels").path("severity").asText()), name + " has a severity");
                assertFalse(r.path("annotations").path("summary").asText().isBlank(), name + " has a summary");
                assertFalse(r.path("annotations").path("description").asText().isBlank(), name + " has a description");
            }
        }
        assertTrue(alerts.containsAll(REQUIRED_ALERTS), "the pack alerts on " + REQUIRED_ALERTS + "; it has " + alerts);
        Set<String> fires = new HashSet<>();
        Set<String> silent = new HashSet<>();
        for (JsonNode t : MonitoringPack.YAML.readTree(MonitoringPack.rulesTestFile().toFile()).path("tests")) {
            for (JsonNode a : t.path("alert_rule_test")) {
                (a.path("exp_alerts").isEmpty() ? silent : fires).add(a.path("alertname").asText());
            }
        }
        for (String a : alerts) {
            assertTrue(fires.contains(a), a + " has a unit test in which it fires");
            assertTrue(silent.contains(a), a + " has a unit test in which it stays silent");
        }
    }

    @Test
    void theQueryReaderFindsMetricsAndTheirLabelsNotFunctionsOperatorsOrVariables() {
        assertEquals(List.of(new MonitoringPack.Selector("tributary_capture_source_changes_total", Set.of()),
                        new MonitoringPack.Selector("tributary_capture_events_total", Set.of("op", "source"))),
                MonitoringPack.selectors("sum by (source, table) (increase(tributary_capture_source_changes_total[10m])) > 0 unless on (source, table) "
                        + "sum by (source, table) (rate(tributary_capture_events_total{op!=\"r\", source=~\"$source\"}[$__rate_interval])) > 1e9"));
        assertEquals(List.of(new MonitoringPack.Selector("tributary_capture_sqlite_wal_modified_timestamp_seconds", Set.of())),
                MonitoringPack.selectors("time() - tributary_capture_sqlite_wal_modified_timestamp_seconds"));
        assertEquals(List.of(new MonitoringPack.Selector("tributary_pipeline_idle_seconds", Set.of("source", "table"))),
                MonitoringPack.selectors("label_values(tributary_pipeline_idle_seconds{source=~\"$source\"}, table)"));
    }

    @Test
    void aMetricOrLabelMissingFromTheScrapeIsReported() {
        var exported = MonitoringPack.series("""
                # TYPE tributary_errors_total counter
                tributary_errors_total{deployable="sink",kind="dead_letter",service="s",stage="sink"} 0.0
                process_cpu_usage 0.5
                """);
        assertEquals(List.of(), MonitoringPack.unexported("q", List.of("sum by (stage) (tributary_errors_total{kind=\"dead_letter\", job=\"x\"})",
                "process_cpu_usage", "up{job=~\"tributary-.*\"} == 0"), exported));
        assertEquals(List.of("q: tributary_errors_totl is not exported (query: tributary_errors_totl)",
                        "q: tributary_errors_total has no label 'table' (it has [deployable, kind, service, stage]; query: tributary_errors_total{table=\"t\"})"),
                MonitoringPack.unexported("q", List.of("tributary_errors_totl", "tributary_errors_total{table=\"t\"}"), exported));
    }

    @Test
    void promtoolAcceptsTheRulesAndPassesTheirUnitTests() throws Exception {
        Assumptions.assumeTrue(onPath("promtool"), "promtool is not installed (Debian: apt-get install prometheus); .ci/run installs it");
        assertPromtool("check", "rules", MonitoringPack.rulesFile().toString());
        assertPromtool("test", "rules", MonitoringPack.rulesTestFile().toString());
    }

    private static void assertPromtool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("promtool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool finished");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        return java.util.Arrays.stream(path.split(java.io.File.pathSeparator)).anyMatch(d -> java.nio.file.Files.isExecutable(java.nio.file.Path.of(d, tool)));
    }
}
