package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.common.sql.Identifiers;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.ops.reconcile.Reconciler;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.schemas.event.TableSchema;
import io.tributary.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton end to end on real servers: rows inserted, updated and deleted in a PostgreSQL
 * source and rows of a SQLite file go through capture, transform and sink into target databases, and
 * arrive exactly: every column of every row compared, and the target column types checked.
 */
class PipelineIT {
    @TempDir
    Path dir;

    private static final String PG_TABLES = """
            CREATE TABLE trades (id bigint PRIMARY KEY, symbol varchar(16) NOT NULL, side char(4) NOT NULL,
              qty numeric(18,8) NOT NULL, price numeric, fee double precision, ratio real, small smallint, mid integer,
              ok boolean, executed_at timestamptz NOT NULL, local_at timestamp, day date, at_time time,
              meta jsonb, raw_json json, uid uuid, blob bytea, notes text);
            CREATE TABLE positions (user_id bigint, symbol text, qty numeric(18,8) NOT NULL, PRIMARY KEY (user_id, symbol));
            """;

    @Test
    void rowsFromPostgresAndSqliteArriveExactly() throws Exception {
        String src = TestServers.newDatabase("it_pipeline_source");
        String trading = TestServers.newDatabase("it_pipeline_trading");
        String ml = TestServers.newDatabase("it_pipeline_ml");
        try (Connection c = DriverManager.getConnection(src, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(PG_TABLES);
            s.execute("""
                INSERT INTO trades VALUES
                 (-9223372036854775808, 'BTC-USD', 'BUY', 1.00000001, 123456789012345678901234.5678901234, 0.30000000000000004, 3.4028235e38, -32768, 2147483647,
                  true, '2024-02-29 23:59:59.999999+05:30', '1999-12-31 23:59:59.123456', '0001-01-01', '23:59:59.999999',
                  '{"b": [1, 2.50, {"c": null}], "a": "naïve ✓"}', '{"keep":  "spacing" ,"dup":1,"dup":2}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
                  '\\x00ff10', repeat('x', 5000)),
                 (9223372036854775807, 'ETH', 'SELL', 0, NULL, 'NaN', '-Infinity', NULL, NULL, false, '1970-01-01 00:00:00+00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, ''),
                 (3, 'SOL', 'BUY', 5.5, 1e-20, -0.0, 1.5, 1, 1, NULL, now(), localtimestamp, current_date, current_time, '[]', '[]', gen_random_uuid(), '\\x', NULL);
                INSERT INTO positions VALUES (1, 'BTC', 1.5), (1, 'ETH', 2), (2, 'BTC', 0.25);
                -- incompressible and large: stored out of line (TOAST), so the later update of another column
                -- arrives without it (Debezium's unavailable-value placeholder) and the target must keep it
                UPDATE trades SET notes = (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g) WHERE id = 9223372036854775807;
                """);
        }
        Path sqlite = dir.resolve("experiments.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE model_checkpoints (id INTEGER PRIMARY KEY, path TEXT NOT NULL, loss REAL, big INTEGER, "
                    + "is_production BOOLEAN, created_at DATETIME, config JSON, weights BLOB)");
            s.execute("INSERT INTO model_checkpoints VALUES (1, 'a.pt', 3.0, -9223372036854775808, 1, '2025-01-02 03:04:05.678', "
                    + "'{\"lr\":  0.1}', x'DEADBEEF'), (2, 'b.pt', 0.1, 9223372036854775807, 0, '2025-01-02T03:04:05Z', NULL, NULL), "
                    + "(3, 'c.pt', NULL, NULL, NULL, NULL, '[1,2]', x'')");
            s.execute("CREATE TABLE metrics (metric_name TEXT NOT NULL, metric_value REAL NOT NULL)");
            s.execute("INSERT INTO metrics VALUES ('loss', 0.5), ('loss', 0.5)");
            try (var ps = c.prepareStatement("INSERT INTO metrics VALUES ('acc', ?)")) {
                ps.setDouble(1, 1e-300); // bound, not a SQL literal: SQLite's own text-to-double parsing is not exact
                ps.execute();
            }
        }
        int capturePort = ChildDeployable.freePort();
        int sinkPort = ChildDeployable.freePort();
        Path pipeline = dir.resolve("pipeline.yaml");
        Files.writeString(pipeline, """
                kafka: { bootstrap: "%s" }
                registry: { url: "%s" }
                sources:
                  - name: itlite
                    sqlite: { path: "%s" }
                    tables: [model_checkpoints, metrics]
                  - name: itmono
                    postgres: { url: "%s", user: postgres, slot: it_pipeline_slot, publication: it_pipeline_pub }
                    tables: [public.trades, public.positions]
                services:
                  - name: it-trading
                    target: { url: "%s", user: postgres }
                    tables: [itmono.public.trades, itmono.public.positions]
                  - name: it-ml
                    target: { url: "%s", user: postgres }
                    tables: [itlite.main.model_checkpoints, itlite.main.metrics]
                http: { capture-postgres: %d, sink: %d }
                """.formatted(TestServers.kafkaBootstrap(), TestServers.registryUrl(), sqlite, src, trading, ml, capturePort, sinkPort));
        PipelineConfig config = PipelineConfigLoader.load(pipeline, Map.of());

        try (PipelineRunner runner = new PipelineRunner(pipeline)) {
            awaitMatch(config, runner);
            try (Connection c = DriverManager.getConnection(src, "postgres", ""); Statement s = c.createStatement()) {
                s.execute("UPDATE trades SET qty = qty * 3, notes = 'updated', meta = '{\"z\": 1}' WHERE id = 3");
                s.execute("UPDATE trades SET fee = 1.7976931348623157e308 WHERE id = 9223372036854775807");
                s.execute("DELETE FROM trades WHERE id = -9223372036854775808");
                s.execute("INSERT INTO trades (id, symbol, side, qty, executed_at) VALUES (4, 'NEW', 'BUY', 7, now())");
                s.execute("BEGIN; UPDATE positions SET qty = 9 WHERE user_id = 1 AND symbol = 'BTC'; DELETE FROM positions WHERE user_id = 2; "
                        + "INSERT INTO positions VALUES (3, 'ADA', 100); COMMIT;");
            }
            // the SQLite application keeps writing too: the WAL tailer carries inserts, updates and deletes
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite); Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
                s.execute("INSERT INTO model_checkpoints VALUES (4, 'd.pt', -2.5, 42, 1, '2025-02-03 04:05:06', '{\"a\": [1]}', x'00')");
                s.execute("UPDATE model_checkpoints SET loss = 7.0, is_production = 0, path = '" + "p".repeat(6000) + "' WHERE id = 1");
                s.execute("DELETE FROM model_checkpoints WHERE id = 2");
                s.execute("DELETE FROM metrics WHERE rowid = 1");
                s.execute("INSERT INTO metrics VALUES ('late', 3.25)");
            }
            awaitMatch(config, runner);
            assertNull(runner.failed(), "deployables: " + runner.exitCodes());
            assertEquals(200, get(sinkPort, "/health/ready").statusCode());
            assertEquals(200, get(capturePort, "/health/live").statusCode());
            String sinkMetrics = get(sinkPort, "/metrics").body();
            assertTrue(sinkMetrics.contains("tributary_sink_rows_total{") && sinkMetrics.contains("outcome=\"applied\""), sinkMetrics);
            assertTrue(sinkMetrics.contains("tributary_pipeline_lag_seconds") && sinkMetrics.contains("stage=\"sink\""), sinkMetrics);
            String captureMetrics = get(capturePort, "/metrics").body();
            assertTrue(captureMetrics.contains("tributary_capture_events_total{") && captureMetrics.contains("op=\"u\""), captureMetrics);
            assertTrue(captureMetrics.contains("stage=\"capture\""), captureMetrics);
        }

        assertSameRows(src, trading, "trades", "id"); // includes the TOAST column left out of the fee update
        assertEquals(List.of(List.of("12800")), rows(trading, "SELECT length(notes) FROM trades WHERE id = 9223372036854775807"));
        assertSameRows(src, trading, "positions", "user_id, symbol");
        assertEquals(columnTypes(src, "trades"), columnTypes(trading, "trades"), "target types are the source's exact types");
        try (Connection c = DriverManager.getConnection(trading, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM trades WHERE id = -9223372036854775808")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the deleted row is gone");
        }
        // the reconciler itself must see a difference of one value in one row
        try (Connection c = DriverManager.getConnection(trading, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("UPDATE positions SET qty = qty + 0.00000001 WHERE user_id = 3");
        }
        List<TableReport> after = Reconciler.reconcile(config);
        assertEquals(List.of("itmono.public.positions"), after.stream().filter(r -> !r.matches()).map(TableReport::table).toList());

        Map<String, String> sqliteTypes = columnTypes(ml, "model_checkpoints");
        assertEquals("boolean", sqliteTypes.get("is_production"));
        assertEquals("timestamp with time zone", sqliteTypes.get("created_at"));
        assertEquals("json", sqliteTypes.get("config"));
        assertEquals("double precision", sqliteTypes.get("loss"));
        assertEquals("bigint", sqliteTypes.get("big"));
        assertEquals("bytea", sqliteTypes.get("weights"));
        List<List<String>> ckpt = rows(ml, "SELECT id, loss, big, is_production, created_at AT TIME ZONE 'UTC', config, encode(weights, 'hex') "
                + "FROM model_checkpoints ORDER BY id");
        assertEquals(List.of("1", "7", "-9223372036854775808", "f", "2025-01-02 03:04:05.678", "{\"lr\":  0.1}", "deadbeef"), ckpt.get(0));
        assertEquals(List.of("3", "null", "null", "null", "null", "[1,2]", ""), ckpt.get(1).stream().map(v -> v == null ? "null" : v).toList());
        assertEquals(List.of("4", "-2.5", "42", "t", "2025-02-03 04:05:06", "{\"a\": [1]}", "00"), ckpt.get(2));
        assertEquals(3, ckpt.size(), "the deleted checkpoint is gone");
        assertEquals(List.of(List.of("2", "loss", "0.5"), List.of("3", "acc", "1e-300"), List.of("4", "late", "3.25")),
                rows(ml, "SELECT " + TableSchema.ROWID_COLUMN + ", metric_name, metric_value FROM metrics ORDER BY 1"), "a table without a primary key is keyed by rowid");
    }

    private static java.net.http.HttpResponse<String> get(int port, String path) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitMatch(PipelineConfig config, PipelineRunner runner) throws Exception {
        List<TableReport> last = runner.awaitMatch(config, Duration.ofSeconds(120));
        assertTrue(last.stream().allMatch(TableReport::matches), "target did not match the source within 120 s: " + last);
    }

    private static void assertSameRows(String srcUrl, String dstUrl, String table, String order) throws Exception {
        Map<String, String> types = columnTypes(srcUrl, table);
        String cols = String.join(", ", types.keySet().stream().map(Identifiers::quote).toList());
        String q = "SELECT " + cols + " FROM " + table + " ORDER BY " + order;
        List<List<String>> a = rows(srcUrl, q);
        List<List<String>> b = rows(dstUrl, q);
        assertFalse(a.isEmpty());
        assertEquals(a, b, "every column of every row of " + table);
    }

    private static List<List<String>> rows(String url, String sql) throws Exception {
        return io.tributary.testkit.Sql.rows(url, sql);
    }

    private static Map<String, String> columnTypes(String url, String table) throws Exception {
        Map<String, String> types = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
                     + "WHERE attrelid = '" + table + "'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            while (rs.next()) {
                if (!Bookkeeping.isColumn(rs.getString(1))) {
                    types.put(rs.getString(1), rs.getString(2) + (rs.getBoolean(3) ? " not null" : ""));
                }
            }
        }
        return types;
    }
}
