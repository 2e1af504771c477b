package io.tributary.capture.postgres;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.TableRef;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the source itself says, read every {@code interval} on a connection of its own (so a slow or stuck
 * capture does not stop it, and a scrape never waits for the database):
 * <ul>
 *   <li>{@code tributary.capture.slot.retained.wal{source,slot}} (Prometheus
 *       {@code tributary_capture_slot_retained_wal_bytes}): WAL the server keeps for the replication slot,
 *       {@code pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)}. It grows while the capture is down or
 *       behind, and the server's disk with it; NaN while the slot does not exist (before the first start).</li>
 *   <li>{@code tributary.capture.source.changes{source,table}} (Prometheus
 *       {@code tributary_capture_source_changes_total}): rows the source inserted, updated or deleted in a
 *       captured table, from {@code pg_stat_user_tables}. Compared with {@code tributary.capture.events} it tells
 *       "no events because nothing is written" from "no events although the source writes".</li>
 * </ul>
 * Not exact: PostgreSQL's statistics count rows of rolled-back transactions too, reach the view up to about a
 * second late, and start again from 0 after {@code pg_stat_reset()} (Prometheus treats that as a counter
 * reset). Read failures are logged once per outage and leave the last values in place.
 */
final class SourceStats implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SourceStats.class);
    private final PipelineConfig.Source source;
    private final ScheduledExecutorService timer;
    private final AtomicLong retainedBytes = new AtomicLong(-1);
    private final Map<TableRef, AtomicLong> changes = new LinkedHashMap<>();
    private Connection connection;
    private boolean failing;

    SourceStats(PipelineConfig.Source source, MeterRegistry metrics) {
        this.source = source;
        Gauge.builder("tributary.capture.slot.retained.wal", retainedBytes, v -> v.get() < 0 ? Double.NaN : v.get())
                .description("WAL the PostgreSQL server retains for the capture's replication slot").baseUnit("bytes")
                .tag("source", source.name()).tag("slot", source.postgres().slot()).strongReference(true).register(metrics);
        for (TableRef t : source.tables()) {
            AtomicLong n = new AtomicLong();
            changes.put(t, n);
            FunctionCounter.builder("tributary.capture.source.changes", n, AtomicLong::get)
                    .description("rows inserted, updated or deleted in the source table (pg_stat_user_tables)")
                    .tag("source", source.name()).tag("table", t.table()).register(metrics);
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "capture-postgres-stats-" + source.name());
            th.setDaemon(true);
            return th;
        });
    }

    /** Reads now, then every {@code interval}. */
    SourceStats start(Duration interval) {
        timer.scheduleWithFixedDelay(this::readQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void readQuietly() {
        try {
            read();
            if (failing) {
                log.info("source statistics readable again source={}", source.name());
                failing = false;
            }
        } catch (SQLException | RuntimeException e) { // anything: an exception would end the schedule silently
            if (!failing) {
                log.warn("cannot read source statistics source={} (slot WAL and source change metrics keep their last values): {}",
                        source.name(), e.getMessage());
                failing = true;
            }
            closeConnection();
        }
    }

    void read() throws SQLException {
        if (connection == null || connection.isClosed()) {
            PipelineConfig.Postgres pg = source.postgres();
            connection = DriverManager.getConnection(pg.url(), pg.user(), pg.password().value());
        }
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, source.postgres().slot());
            try (ResultSet rs = ps.executeQuery()) {
                retainedBytes.set(rs.next() && rs.getObject(1) != null ? rs.getLong(1) : -1);
            }
        }
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE schemaname = ? AND relname = ?")) {
            for (Map.Entry<TableRef, AtomicLong> e : changes.entrySet()) {
                ps.setString(1, e.getKey().schema());
                ps.setString(2, e.getKey().table());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        e.getValue().set(rs.getLong(1));
                    }
                }
            }
        }
    }

    private void closeConnection() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // closing a broken connection: nothing left to release
        }
        connection = null;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
