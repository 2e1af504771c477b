package io.tributary.ops.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.ops.PipelineRunner;
import io.tributary.testkit.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring pack against what the deployables really export: the four deployables run a small pipeline
 * (a PostgreSQL and a SQLite source, live changes in both), each one's /metrics is scraped, and every metric
 * that a dashboard panel, a dashboard variable or an alert rule names must be in a scrape, with every label
 * the query matches on. A renamed metric or tag fails here, not silently on a platform team's screen.
 * Prometheus' own {@code up} series and the {@code job}/{@code instance} labels it adds are the exceptions.
 */
class MonitoringIT {
    private static final List<String> DEPLOYABLES = List.of("capture-postgres", "capture-sqlite", "transform", "sink");

    @TempDir
    Path dir;

    @Test
    void everyMetricTheDashboardAndTheAlertsNameIsExportedDuringARealRun() throws Exception {
        String src = TestServers.newDatabase("it_monitoring_source");
        try (Connection c = DriverManager.getConnection(src, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id bigint PRIMARY KEY, qty numeric(12,2) NOT NULL)");
            s.execute("INSERT INTO orders SELECT g, g FROM generate_series(1, 20) g");
        }
        Path lab = dir.resolve("lab.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + lab); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, loss REAL, done BOOLEAN)");
            s.execute("INSERT INTO runs VALUES (1, 0.5, 0), (2, 0.25, 1)");
        }
        Map<String, Integer> ports = new TreeMap<>();
        for (String d : DEPLOYABLES) {
            ports.put(d, freePort());
        }
        Path pipeline = pipelineFile(src, lab, ports);
        PipelineConfig config = PipelineConfigLoader.load(pipeline, Map.of());

        Map<String, String> scrapes = new TreeMap<>();
        try (PipelineRunner runner = new PipelineRunner(pipeline)) {
            awaitMatch(config, runner);
            change(src, lab);
            awaitMatch(config, runner);
            // capture-postgres reads the source's statistics every 10 s: wait for 20 inserts + 5 updates + 1 delete + 1 insert
            String capture = scrapeUntil(ports.get("capture-postgres"), "tributary_capture_source_changes_total", 27);
            assertTrue(capture.lines().anyMatch(l -> l.startsWith("tributary_capture_slot_retained_wal_bytes{") && !l.endsWith("NaN")), capture);
            // Micrometer registers jvm.gc.pause (the dashboard's GC panel) at the first collection after a deployable
            // started. The deployables run in this JVM, whose heap is large for this small run: a CI run ended with no
            // collection since their start and so without the series. Ask for one, and wait for its notification.
            System.gc();
            scrapeUntil(ports.get("capture-postgres"), "jvm_gc_pause_seconds_count", 1);
            for (String d : DEPLOYABLES) {
                String body = scrape(ports.get(d));
                Files.writeString(Files.createDirectories(Path.of("target", "monitoring-scrapes")).resolve(d + ".prom"), body);
                assertTrue(body.contains("tributary_ready{deployable=\"" + d + "\"} 1.0"), d + " is ready:\n" + body);
                scrapes.put(d, body);
            }
        }
        String all = String.join("\n", scrapes.values());
        for (String stage : List.of("capture", "transform", "sink")) {
            for (String table : List.of("orders", "runs")) {
                assertTrue(all.lines().anyMatch(l -> l.startsWith("tributary_pipeline_idle_seconds{") && l.contains("stage=\"" + stage + "\"")
                        && l.contains("table=\"" + table + "\"")), "the " + stage + " stage's idle clock of " + table);
            }
        }
        Map<String, Set<String>> exported = MonitoringPack.series(all);
        List<String> problems = new ArrayList<>();
        problems.addAll(MonitoringPack.unexported("dashboard", MonitoringPack.dashboardQueries(MonitoringPack.dashboard()), exported));
        problems.addAll(MonitoringPack.unexported("alert rules", MonitoringPack.ruleQueries(MonitoringPack.rules()), exported));
        assertEquals(List.of(), problems, "metrics the deployables export (target/monitoring-scrapes): " + exported.keySet());
    }

    /** A PostgreSQL and a SQLite source, each table owned by a service with its own target database. */
    private Path pipelineFile(String src, Path lab, Map<String, Integer> ports) throws Exception {
        String orders = TestServers.newDatabase("it_monitoring_orders");
        String runs = TestServers.newDatabase("it_monitoring_runs");
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.writeString(pipeline, """
                kafka: { bootstrap: "%s" }
                registry: { url: "%s" }
                sources:
                  - name: itmon
                    postgres: { url: "%s", user: postgres, slot: it_monitoring_slot, publication: it_monitoring_pub }
                    tables: [public.orders]
                  - name: itmonlite
                    sqlite: { path: "%s" }
                    tables: [runs]
                services:
                  - name: mon-orders
                    target: { url: "%s", user: postgres }
                    tables: [itmon.public.orders]
                  - name: mon-lab
                    target: { url: "%s", user: postgres }
                    tables: [itmonlite.main.runs]
                http: { capture-postgres: %d, capture-sqlite: %d, transform: %d, sink: %d }
                """.formatted(TestServers.kafkaBootstrap(), TestServers.registryUrl(), src, lab, orders, runs,
                ports.get("capture-postgres"), ports.get("capture-sqlite"), ports.get("transform"), ports.get("sink")));
        return pipeline;
    }

    /** Live changes in both sources: updates, a delete and an insert (so every stage measures lag). */
    private static void change(String src, Path lab) throws Exception {
        try (Connection c = DriverManager.getConnection(src, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("UPDATE orders SET qty = qty + 1 WHERE id <= 5");
            s.execute("DELETE FROM orders WHERE id = 20");
            s.execute("INSERT INTO orders VALUES (21, 3)");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + lab); Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            s.execute("UPDATE runs SET loss = 0.125, done = 1 WHERE id = 1");
            s.execute("INSERT INTO runs VALUES (3, 1.5, 0)");
        }
    }

    /** Scrapes until {@code metric} (one series) reaches {@code atLeast}, for at most 30 s; returns the last scrape. */
    private static String scrapeUntil(int port, String metric, double atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String body;
        do {
            body = scrape(port);
            double value = body.lines().filter(l -> l.startsWith(metric + "{")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .max().orElse(-1);
            if (value >= atLeast) {
                return body;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L); // the statistics are read every 10 s
        } while (System.nanoTime() < deadline);
        throw new AssertionError(metric + " did not reach " + atLeast + " within 30 s:\n" + body);
    }

    private static String scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    private static void awaitMatch(PipelineConfig config, PipelineRunner runner) throws Exception {
        List<io.tributary.ops.reconcile.TableReport> last = runner.awaitMatch(config, Duration.ofSeconds(120));
        assertTrue(last.stream().allMatch(io.tributary.ops.reconcile.TableReport::matches), "target did not match the source within 120 s: " + last);
    }

    private static int freePort() throws java.io.IOException {
        return io.tributary.testkit.Ports.free();
    }
}
