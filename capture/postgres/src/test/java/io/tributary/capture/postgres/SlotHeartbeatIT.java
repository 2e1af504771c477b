package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slot must not eat the source's disk: with the captured tables idle and others busy, the capture's
 * heartbeats (on by default) let the server release the WAL it wrote for the busy ones. Without them
 * pgoutput sends the capture nothing (PostgreSQL 15 skips transactions that touch no published table), the
 * capture confirms nothing, and the slot holds every byte of WAL for ever.
 */
class SlotHeartbeatIT {
    @TempDir
    Path dir;

    @Test
    void walOfBusyUncapturedTablesIsReleasedWhileTheCapturedOnesAreIdle() throws Exception {
        try (CaptureRun run = new CaptureRun(dir, "heartbeat")) {
            run.sql("""
                    CREATE TABLE idle_rows (id bigint PRIMARY KEY, v text);
                    INSERT INTO idle_rows VALUES (1, 'a');
                    CREATE TABLE busy_rows (id bigint PRIMARY KEY, v text);
                    """);
            run.pipeline("idle_rows").start();
            run.read("idle_rows", Duration.ofSeconds(120), e -> !e.isEmpty());
            for (int i = 0; i < 20; i++) {
                run.sql("INSERT INTO busy_rows SELECT g, repeat('x', 500) FROM generate_series(" + (i * 1000 + 1) + ", " + (i + 1) * 1000 + ") g");
            }
            String written = value(run.url, "SELECT pg_current_wal_lsn()");
            Awaitility.await("the slot to confirm WAL past " + written + ", the end of the busy table's writes")
                    .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> "t".equals(value(run.url, "SELECT confirmed_flush_lsn >= '" + written + "'::pg_lsn FROM pg_replication_slots WHERE slot_name = '" + run.source + "'")));
            long retained = Long.parseLong(value(run.url, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = '" + run.source + "'"));
            assertTrue(retained < 1_000_000, "the slot keeps less than the 10 MB written to the busy table: " + retained);
        }
    }

    @Test
    void anUnlimitedSlotWalSizeIsNamedAtStart() throws Exception {
        String url = CaptureRun.freshDatabase("heartbeat_warn");
        PipelineConfig.Postgres pg = new PipelineConfig.Postgres(url, "postgres", Secret.NONE, "unused", "unused");
        try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
            // the test server runs with PostgreSQL's default, -1: no limit
            Optional<String> warning = PostgresCaptureApp.unlimitedSlotWal(c);
            assertTrue(warning.isPresent() && warning.get().contains("max_slot_wal_keep_size"), String.valueOf(warning));
        }
    }

    static String value(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
