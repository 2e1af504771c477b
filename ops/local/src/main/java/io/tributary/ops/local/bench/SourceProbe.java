package io.tributary.ops.local.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What the source server has not yet handed to the capture, for the streaming run's timeline: how far the
 * walsender's sent position and the slot's confirmed position are behind the WAL being written
 * ({@code pg_current_wal_lsn()}), in bytes, and the CPU time the walsender has used. A large "sent" gap says
 * the server's decoding is behind; a small one with a large "confirmed" gap says the capture holds (or waits
 * on) what it was sent. One connection for the whole run, so probing costs a query per sample.
 */
final class SourceProbe implements AutoCloseable {
    private final Connection c;
    private final String database;
    private long walsenderPid = -1;

    SourceProbe(String url, String database) throws SQLException {
        this.c = DriverManager.getConnection(url, "postgres", "");
        this.database = database;
    }

    /** {@code {unsent bytes, unconfirmed bytes}} of the source's slot; {@code {-1, -1}} while it has none. */
    long[] behind() {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), r.sent_lsn), pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn), s.active_pid "
                        + "FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.database = '" + database + "'")) {
            if (!rs.next()) {
                return new long[] {-1, -1};
            }
            long pid = rs.getLong(3);
            if (!rs.wasNull()) {
                walsenderPid = pid;
            }
            long sent = rs.getLong(1);
            return new long[] {rs.wasNull() ? -1 : sent, rs.getLong(2)};
        } catch (SQLException e) {
            return new long[] {-1, -1};
        }
    }

    /** CPU seconds (user and system) the slot's walsender has used so far; NaN before it is known or after it ended. */
    double walsenderCpuSeconds() {
        return walsenderPid < 0 ? Double.NaN : CpuBudget.processSeconds(walsenderPid);
    }

    @Override
    public void close() throws SQLException {
        c.close();
    }
}
