package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.schemas.event.TableRef;
import io.tributary.testkit.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The slot's retained WAL and the source's own change counts, read from a real PostgreSQL. */
class SourceStatsIT {
    @Test
    void readsRetainedWalOfTheSlotAndTheRowsTheSourceChanged() throws Exception {
        String url = TestServers.newDatabase("it_source_stats");
        String slot = "it_source_stats_slot";
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id bigint PRIMARY KEY, note text)");
            s.execute("CREATE TABLE other (id bigint PRIMARY KEY)");
        }
        PipelineConfig.Source source = new PipelineConfig.Source("stats", null,
                new PipelineConfig.Postgres(url, "postgres", Secret.NONE, slot, "unused_pub"), List.of(new TableRef("stats", "public", "orders")));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (SourceStats stats = new SourceStats(source, metrics)) {
            stats.read();
            assertTrue(Double.isNaN(retained(metrics)), "no slot yet: unknown, not 0");

            long written;
            try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
                String slotLsn;
                try (var rs = s.executeQuery("SELECT lsn FROM pg_create_logical_replication_slot('" + slot + "', 'pgoutput')")) {
                    rs.next();
                    slotLsn = rs.getString(1);
                }
                // 1 KiB of hex per row: text that no WAL or page compression shrinks much, so 2,000 rows are ~2 MB of WAL
                s.execute("INSERT INTO orders SELECT g, (SELECT string_agg(md5(g::text || '-' || i::text), '') FROM generate_series(1, 32) i) "
                        + "FROM generate_series(1, 2000) g");
                s.execute("UPDATE orders SET note = 'y' WHERE id <= 10");
                s.execute("DELETE FROM orders WHERE id <= 5");
                s.execute("INSERT INTO other SELECT g FROM generate_series(1, 50) g"); // not captured: not counted
                try (var rs = s.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" + slotLsn + "')::bigint")) {
                    rs.next();
                    written = rs.getLong(1); // the WAL written since the slot was made, as the server counts it
                }
            } // closing the session flushes its statistics
            long deadline = System.nanoTime() + 15_000_000_000L;
            do {
                stats.read();
            } while (changes(metrics) < 2015 && System.nanoTime() < deadline && pause());
            assertEquals(2015, changes(metrics), "2000 inserts, 10 updates and 5 deletes in the captured table");
            assertTrue(written > 1_000_000, "the rows wrote over 1 MB of WAL: " + written);
            assertTrue(retained(metrics) >= written, "the slot holds all the WAL written since it was made (" + written
                    + " bytes), nobody having consumed it: " + retained(metrics));
        } finally {
            try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
                s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
            }
        }
    }

    private static double retained(SimpleMeterRegistry m) {
        return m.get("tributary.capture.slot.retained.wal").tag("slot", "it_source_stats_slot").gauge().value();
    }

    private static double changes(SimpleMeterRegistry m) {
        return m.get("tributary.capture.source.changes").tag("table", "orders").functionCounter().count();
    }

    /** A short pause between two reads of the statistics view; always true. */
    private static boolean pause() {
        java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L);
        return true;
    }
}
