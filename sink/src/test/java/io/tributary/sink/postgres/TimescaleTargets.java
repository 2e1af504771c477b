package io.tributary.sink.postgres;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.testkit.LocalTimescale;
import io.tributary.testkit.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * For tests of TimescaleDB targets: a fresh database on a real PostgreSQL with TimescaleDB (the test is
 * skipped with the reason where there is none), metric events of the ML-experiments workload's
 * {@code experiment_metrics} ({@link SinkBench#METRICS}), and what the catalog says about chunks and their
 * compressed batches.
 */
final class TimescaleTargets {
    private TimescaleTargets() {
    }

    /** A fresh database on the TimescaleDB server whose scheduler is off; skips the test where there is none. */
    static String database(String name) throws SQLException {
        return fresh(TestServers.timescaleUrl(), name);
    }

    /**
     * A fresh database on the TimescaleDB server whose background scheduler runs the policies, with the
     * extension created and its scheduler running, as in a database that is in use: a scheduler started
     * only when the sink creates the extension would come late and run every due policy at once.
     */
    static String scheduledDatabase(String name) throws SQLException, InterruptedException {
        String url = fresh(TestServers.timescaleWithSchedulerUrl(), name);
        execute(url, "CREATE EXTENSION IF NOT EXISTS timescaledb");
        String scheduler = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'TimescaleDB Background Worker Scheduler' "
                + "AND datname = current_database()";
        if (!await(Duration.ofSeconds(90), () -> !"0".equals(safeOne(url, scheduler)))) {
            throw new IllegalStateException("TimescaleDB's scheduler did not start for database " + name + " within 90 s");
        }
        return url;
    }

    private static String safeOne(String url, String sql) {
        try {
            return one(url, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fresh(Optional<String> server, String name) throws SQLException {
        assumeTrue(server.isPresent(), () -> "skipped: " + LocalTimescale.unavailableReason());
        return TestServers.newDatabase(server.get(), name);
    }

    static PipelineConfig.Service service(String url, PipelineConfig.Timescale ts) {
        return new PipelineConfig.Service("svc", "g", new PipelineConfig.Database(url, "postgres", Secret.NONE),
                List.of(SinkBench.METRICS.table()), Map.of("experiment_metrics", new PipelineConfig.TableOptions(false, null, ts)), Duration.ofMinutes(10));
    }

    static Map<String, Object> row(long rowid, Instant time, double value) {
        Map<String, Object> row = new HashMap<>();
        row.put("_tributary_rowid", rowid);
        row.put("time", ChronoUnit.MICROS.between(Instant.EPOCH, time));
        row.put("experiment_id", rowid % 2);
        row.put("metric_name", rowid % 3 == 0 ? "loss" : "sharpe");
        row.put("metric_value", value);
        row.put("step", rowid);
        row.put("epoch", 1L);
        return row;
    }

    static SinkEvent event(Op op, Map<String, Object> before, Map<String, Object> after, long pos, String snapshot) {
        return event(1, op, before, after, pos, snapshot);
    }

    /** An event of snapshot generation {@code generation} (see docs/events.md, positions). */
    static SinkEvent event(long generation, Op op, Map<String, Object> before, Map<String, Object> after, long pos, String snapshot) {
        return new SinkEvent(new ChangeEvent(SinkBench.METRICS, op, before, after, Position.of(generation, 0, 0, pos), 0L, snapshot, "sqlite", "db",
                null, null), "svc.experiment_metrics", 0, pos, null, null, null);
    }

    /**
     * A snapshot of {@code days} days of metrics ending {@code end}, one row every 10 minutes, rowids from 1,
     * positions from 1; the last one marked {@code last}.
     */
    static List<SinkEvent> snapshot(Instant end, int days) {
        List<SinkEvent> out = new ArrayList<>();
        int n = days * 144;
        for (int i = 0; i < n; i++) {
            long rowid = i + 1;
            Instant t = end.minus((long) (n - i) * 10, ChronoUnit.MINUTES);
            out.add(event(Op.READ, null, row(rowid, t, Math.sin(rowid) * 100), rowid, i == n - 1 ? "last" : "true"));
        }
        return out;
    }

    static List<List<String>> rows(String url, String sql) throws SQLException {
        return io.tributary.testkit.Sql.rows(url, sql);
    }

    static String one(String url, String sql) throws SQLException {
        return rows(url, sql).get(0).get(0);
    }

    static void execute(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /**
     * One chunk as TimescaleDB's catalog has it: its status bits (1 compressed, 8 partially compressed) and the
     * batches and rows still in its compressed form (a batch that DML decompresses leaves the compressed form).
     */
    record Chunk(String name, Instant start, int status, long batches, long compressedRows) {
        boolean compressed() {
            return (status & 1) != 0;
        }

        boolean partial() {
            return (status & 8) != 0;
        }
    }

    /** The chunks of {@code table} by start, read from TimescaleDB's internal catalog (its public views do not count batches). */
    static List<Chunk> chunks(String url, String table) throws SQLException {
        List<Chunk> out = new ArrayList<>();
        for (List<String> r : rows(url, "SELECT c.table_name, ch.range_start, c.status, cc.schema_name || '.' || cc.table_name "
                + "FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id "
                + "JOIN timescaledb_information.chunks ch ON ch.chunk_name = c.table_name "
                + "LEFT JOIN _timescaledb_catalog.chunk cc ON cc.id = c.compressed_chunk_id "
                + "WHERE h.table_name = '" + table + "' ORDER BY ch.range_start")) {
            long batches = 0;
            long rows = 0;
            if (r.get(3) != null) {
                List<String> counts = rows(url, "SELECT count(*), COALESCE(sum(_ts_meta_count), 0) FROM " + r.get(3)).get(0);
                batches = Long.parseLong(counts.get(0));
                rows = Long.parseLong(counts.get(1));
            }
            out.add(new Chunk(r.get(0), java.time.OffsetDateTime.parse(r.get(1).replace(' ', 'T').replaceFirst("\\+00$", "Z")).toInstant(),
                    Integer.parseInt(r.get(2)), batches, rows));
        }
        return out;
    }

    /** Waits, at most {@code bound}, until {@code condition} holds; false if it never did. */
    static boolean await(Duration bound, BooleanSupplier condition) throws InterruptedException {
        // the server changes it on its own schedule (its background jobs): polled, within the bound
        try {
            org.awaitility.Awaitility.await().atMost(bound).pollInterval(Duration.ofMillis(200)).until(condition::getAsBoolean);
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false; // the callers assert on it, with what they waited for
        }
    }
}
