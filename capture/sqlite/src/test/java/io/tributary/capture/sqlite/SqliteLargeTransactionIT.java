package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.kafka.Topics;
import io.tributary.testkit.Ports;
import io.tributary.testkit.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 item 7: a real {@code capture-sqlite} deployable in a JVM of its own with the deployable's heap flags
 * ({@code tributary.jvm.capture-sqlite} in ops/pom.xml, what bin/tributary and the images use: -Xmx256m, SerialGC),
 * so that running out of memory fails the test, streams one transaction inserting 2,000,000 rows (and 100,000
 * into a table keyed by a TEXT PRIMARY KEY, whose matching by declared key spills to disk), one updating all of
 * them, one deleting half, and a VACUUM (the whole database rewritten, WAL mode kept). The topics must then equal
 * the database row for row (per-key content digests, before images, growing positions), and the child must
 * still be alive and healthy.
 *
 * <p>{@code -Dtributary.it.bigtx.rows=N} changes the size, {@code -Dtributary.it.bigtx.jvm="-Xmx768m"} adds
 * flags after the deployable's (to measure another heap); the child's GC log and peak RSS are printed.
 */
class SqliteLargeTransactionIT {
    /**
     * 1,000,000 by default: on the 2-core CI machine under load a 2,000,000-row run (the issue's figure, run by
     * hand with -Dtributary.it.bigtx.rows=2000000) spends over 10 minutes replaying the topics in this JVM; the
     * capture's memory does not depend on the size (it streams), and main's capture already ran out of its
     * 256 MiB at 1,000,000.
     */
    private static final int ROWS = Integer.getInteger("tributary.it.bigtx.rows", 1_000_000);
    private static final int LABELS = ROWS / 20;

    @TempDir
    Path dir;

    @Test
    void millionRowTransactionsAndAVacuumStreamWithinTheDeployablesHeap() throws Exception {
        String name = "bigtx" + Long.toHexString(System.nanoTime());
        Path db = dir.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE readings (id INTEGER PRIMARY KEY, run TEXT NOT NULL, step INTEGER, value REAL)");
            s.execute("CREATE TABLE labels (name TEXT PRIMARY KEY, n INTEGER, note TEXT)");
        }
        TableRef readings = new TableRef(name, "main", "readings");
        TableRef labels = new TableRef(name, "main", "labels");
        int http = Ports.free();
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.writeString(pipeline, """
                kafka: { bootstrap: "%s" }
                registry: { url: "%s" }
                sources:
                  - name: %s
                    sqlite: { path: "%s", poll-interval: 20ms }
                    tables: [readings, labels]
                services:
                  - name: unused
                    target: { url: "jdbc:postgresql://127.0.0.1:1/unused", user: nobody }
                    tables: [%s.main.readings, %s.main.labels]
                http: { bind: 127.0.0.1, capture-sqlite: %d }
                """.formatted(TestServers.kafkaBootstrap(), TestServers.registryUrl(), name, db, name, name, http));
        PipelineConfig.Kafka kafka = new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of());
        KafkaSetup.ensureTopics(kafka, List.of(readings.topic(), labels.topic(), Topics.positions(name), Topics.generations(name)));

        Path log = dir.resolve("capture.log");
        Path gcLog = dir.resolve("gc.log");
        Process capture = capture(pipeline, log, gcLog);
        long peakRssKb = 0;
        try {
            Awaitility.await("capture-sqlite streams").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !capture.isAlive() || health(http, "ready") == 200);
            assertTrue(capture.isAlive(), () -> "capture-sqlite exited at start: " + tail(log));
            long t0 = System.nanoTime();
            try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
                s.execute("PRAGMA busy_timeout = 30000");
                app.setAutoCommit(false);
                s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + ROWS + ")"
                        + " INSERT INTO readings SELECT i, 'run-' || (i % 100), i, i * 0.5 FROM n");
                s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + LABELS + ")"
                        + " INSERT INTO labels SELECT 'label-' || i, i, 'a note of label ' || i FROM n");
                app.commit();
                peakRssKb = Math.max(peakRssKb, rssKb(capture));
                // every row changed, and every label key moved to another row's key: a delete and a create each
                s.execute("UPDATE readings SET value = value + 1, step = step * 2, run = run || '/b'");
                s.execute("UPDATE labels SET name = name || '-x', n = n + 1");
                app.commit();
                peakRssKb = Math.max(peakRssKb, rssKb(capture));
                s.execute("DELETE FROM readings WHERE id % 2 = 0");
                s.execute("DELETE FROM labels WHERE n % 2 = 0");
                app.commit();
                app.setAutoCommit(true);
                s.execute("VACUUM");
                try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
                    assertEquals("wal", rs.getString(1), "VACUUM kept the WAL journal mode");
                }
            }
            System.out.printf("SqliteLargeTransactionIT: %,d rows written, updated, half deleted and vacuumed in %.1f s%n", ROWS,
                    (System.nanoTime() - t0) / 1e9);
            Map<String, Long> replayCounts = assertTopicsEqualTheDatabase(db, List.of(readings, labels), capture, log);
            System.out.printf("SqliteLargeTransactionIT: topics equal the database %.1f s after the first write; events %s%n",
                    (System.nanoTime() - t0) / 1e9, replayCounts);
            peakRssKb = Math.max(peakRssKb, rssKb(capture));
            assertTrue(capture.isAlive(), () -> "capture-sqlite is still running: " + tail(log));
            assertEquals(200, health(http, "live"), "capture-sqlite is healthy (/health/live)");
            String logText = Files.readString(log);
            assertFalse(logText.contains("OutOfMemoryError"), () -> "capture-sqlite ran out of memory: " + tail(log));
            assertFalse(logText.contains(" stopped: "), () -> "the tailer stopped: " + tail(log));
        } finally {
            peakRssKb = Math.max(peakRssKb, rssKb(capture));
            capture.destroy();
            capture.waitFor();
            System.out.printf("SqliteLargeTransactionIT: capture-sqlite %s; peak RSS %,d KiB (VmHWM); heap after GC at most %s; %s%n",
                    flags(), peakRssKb, maxHeapAfterGc(gcLog), Files.exists(gcLog) ? gcLog : "no GC log");
        }
    }

    /** The deployable's JVM flags, as ops/pom.xml gives them to bin/tributary and the images, and any the run adds. */
    static String flags() throws Exception {
        Path pom = Path.of("../../ops/pom.xml");
        if (!Files.exists(pom)) {
            throw new IllegalStateException("cannot find ops/pom.xml from " + Path.of("").toAbsolutePath()
                    + " (run the test from the capture/sqlite module directory, as Maven does)");
        }
        String text = Files.readString(pom);
        String flags = property(text, "tributary.jvm.capture-sqlite").replace("${tributary.jvm.common}", property(text, "tributary.jvm.common"));
        return (flags + " " + System.getProperty("tributary.it.bigtx.jvm", "")).trim();
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</" + Pattern.quote(name) + ">").matcher(pom);
        if (!m.find()) {
            throw new IllegalStateException("ops/pom.xml has no property " + name);
        }
        return m.group(1).trim();
    }

    private Process capture(Path pipeline, Path log, Path gcLog) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(flags().split("\\s+")));
        cmd.add("-Xlog:gc:file=" + gcLog);
        cmd.add("-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SqliteCaptureApp.class.getName(), "--config", pipeline.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static int health(int port, String what) {
        try {
            HttpResponse<Void> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/" + what))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    /** The child's peak resident set (VmHWM, KiB); 0 where /proc does not tell. */
    private static long rssKb(Process p) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            return 0;
        }
        return 0;
    }

    /** The largest heap occupancy after a collection in the GC log ("...->NM(..)"), i.e. the live data at most. */
    private static String maxHeapAfterGc(Path gcLog) {
        try {
            long max = 0;
            Matcher m = Pattern.compile("->(\\d+)M\\(").matcher(Files.readString(gcLog));
            while (m.find()) {
                max = Math.max(max, Long.parseLong(m.group(1)));
            }
            return max + " MiB";
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.substring(Math.max(0, s.length() - 4000));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * Replays each topic (read_committed) onto per-key digests of the canonical row text until it equals the
     * database's (count and every key's content), checking on the way that positions grow, that every update and
     * delete carries the current row as its before image, and that a create never meets an existing key. Digests
     * rather than the rows themselves keep millions of rows within the test JVM's heap. Returns the events read
     * per op.
     */
    private static Map<String, Long> assertTopicsEqualTheDatabase(Path db, List<TableRef> refs, Process capture, Path log) throws Exception {
        Map<String, Map<String, Long>> expected = new HashMap<>();
        Map<String, TableSchema> schemas = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            for (TableRef r : refs) {
                schemas.put(r.table(), PragmaTables.read(c, r));
            }
        }
        for (TableRef r : refs) {
            expected.put(r.table(), digests(db, schemas.get(r.table())));
        }
        Map<String, Map<String, Long>> state = new HashMap<>();
        Map<String, Long> counts = new java.util.TreeMap<>();
        boolean equal = TopicReplay.replay(refs, Duration.ofMinutes(10), (table, event) -> {
            Map<String, Long> rows = state.computeIfAbsent(table, k -> new HashMap<>());
            String key = TopicReplay.canonical(event.keyImage(), event.schema().primaryKey());
            Op op = event.op();
            counts.merge(table + "." + op.code(), 1L, Long::sum);
            if (op == Op.UPDATE || op == Op.DELETE) {
                Long was = rows.get(key);
                assertTrue(was != null && was == digest(TopicReplay.canonical(event.before(), null)),
                        () -> "before image of " + key + " of " + table + " at " + event.position() + " is the row as it was");
            }
            if (op == Op.DELETE) {
                rows.remove(key);
            } else {
                Long old = rows.put(key, digest(TopicReplay.canonical(event.after(), null)));
                assertTrue(op != Op.CREATE || old == null, () -> "create of an existing key " + key + " of " + table);
            }
        }, atEnd -> {
            if (!capture.isAlive()) {
                throw new AssertionError("capture-sqlite exited with " + capture.exitValue() + " (events so far " + counts + "): " + tail(log));
            }
            return atEnd && refs.stream().allMatch(r -> expected.get(r.table()).equals(state.getOrDefault(r.table(), Map.of())));
        });
        if (!equal) {
            for (TableRef r : refs) {
                Map<String, Long> want = expected.get(r.table());
                Map<String, Long> got = state.getOrDefault(r.table(), Map.of());
                assertEquals(want.size(), got.size(), "rows of " + r.topic() + " (events so far " + counts + ")");
                for (Map.Entry<String, Long> e : want.entrySet()) {
                    assertEquals(e.getValue(), got.get(e.getKey()), "row " + e.getKey() + " of " + r.topic());
                }
            }
            throw new AssertionError("the topics did not reach the end offsets in time (events so far " + counts + ")");
        }
        return counts;
    }

    private static Map<String, Long> digests(Path db, TableSchema schema) throws Exception {
        Map<String, Long> rows = new HashMap<>();
        TopicReplay.forEachRow(db, schema, row -> rows.put(TopicReplay.canonical(row, schema.primaryKey()), digest(TopicReplay.canonical(row, null))));
        return rows;
    }

    /** FNV-1a, 64 bits, of a row's canonical text. */
    private static long digest(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
