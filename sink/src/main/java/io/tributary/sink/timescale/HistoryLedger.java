package io.tributary.sink.timescale;

import io.tributary.common.sql.Bookkeeping;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The history work a hypertable is owed, kept in the target database ({@link Bookkeeping#HISTORY}, one row per
 * hypertable) so that it survives restarts and is recorded in the same transaction as the rows that made
 * it necessary: the time range whose aggregates need a refresh the refresh policies will not do (rows
 * older than a policy's window: snapshots, replays, backfills, late rows, new aggregates), and whether
 * migrated history waits to be compressed. {@link HistoryWorker} does the work outside the sink's
 * transactions and clears a row only if nothing was added to it meanwhile ({@code changed_at}).
 *
 * <p>Ranges are kept as one span per table ({@code refresh_from} to {@code refresh_to}, row times as UTC
 * instants): a refresh of a span whose middle did not change costs little, since TimescaleDB only
 * rematerialises invalidated buckets.
 */
public final class HistoryLedger {
    static final String TABLE = Bookkeeping.HISTORY;

    /** One row: what is owed, and when it was last added to. */
    record Owed(String table, Instant refreshFrom, Instant refreshTo, boolean compress, Timestamp changedAt) {
    }

    private HistoryLedger() {
    }

    public static void ensure(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (table_name text PRIMARY KEY, refresh_from timestamptz, refresh_to timestamptz, "
                    + "compress_due boolean NOT NULL DEFAULT false, pending_since timestamptz, changed_at timestamptz NOT NULL DEFAULT clock_timestamp())");
        }
    }

    /** Owes {@code table} a refresh of its aggregates over rows from {@code from} to {@code to}, inclusive. */
    public static void refresh(Connection c, String table, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " AS h (table_name, refresh_from, refresh_to, pending_since) "
                + "VALUES (?, ?, ?, clock_timestamp()) ON CONFLICT (table_name) DO UPDATE SET refresh_from = LEAST(h.refresh_from, EXCLUDED.refresh_from), "
                + "refresh_to = GREATEST(h.refresh_to, EXCLUDED.refresh_to), pending_since = COALESCE(h.pending_since, EXCLUDED.pending_since), "
                + "changed_at = clock_timestamp()")) {
            ps.setString(1, table);
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setTimestamp(3, Timestamp.from(to));
            ps.executeUpdate();
        }
    }

    /**
     * Owes {@code table} a refresh over everything it holds (its chunks' span), and, with {@code compress},
     * the compression of its history: after a snapshot, a new generation or a new aggregate.
     */
    public static void wholeTable(Connection c, String table, boolean compress) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " AS h (table_name, refresh_from, refresh_to, compress_due, pending_since) "
                + "SELECT ?, min(range_start), max(range_end), ?, clock_timestamp() FROM timescaledb_information.chunks "
                + "WHERE hypertable_schema = current_schema() AND hypertable_name = ? HAVING count(*) > 0 "
                + "ON CONFLICT (table_name) DO UPDATE SET refresh_from = LEAST(h.refresh_from, EXCLUDED.refresh_from), "
                + "refresh_to = GREATEST(h.refresh_to, EXCLUDED.refresh_to), compress_due = h.compress_due OR EXCLUDED.compress_due, "
                + "pending_since = COALESCE(h.pending_since, EXCLUDED.pending_since), changed_at = clock_timestamp()")) {
            ps.setString(1, table);
            ps.setBoolean(2, compress);
            ps.setString(3, table);
            ps.executeUpdate();
        }
    }

    /**
     * What is owed and due: added to no later than {@code settleMillis} ago (a snapshot still pouring in
     * would make the work redo itself), or waiting for longer than {@code maxWaitMillis} (steady late rows
     * must not postpone it forever).
     */
    static List<Owed> due(Connection c, long settleMillis, long maxWaitMillis) throws SQLException {
        List<Owed> out = new ArrayList<>();
        if (!exists(c)) {
            return out; // the sink has not made a hypertable here yet
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT table_name, refresh_from, refresh_to, compress_due, changed_at FROM " + TABLE
                + " WHERE (refresh_from IS NOT NULL OR compress_due) AND (changed_at < clock_timestamp() - make_interval(secs => ?) "
                + "OR pending_since < clock_timestamp() - make_interval(secs => ?)) ORDER BY table_name")) {
            ps.setDouble(1, settleMillis / 1000.0);
            ps.setDouble(2, maxWaitMillis / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp from = rs.getTimestamp(2);
                    Timestamp to = rs.getTimestamp(3);
                    out.add(new Owed(rs.getString(1), from == null ? null : from.toInstant(), to == null ? null : to.toInstant(),
                            rs.getBoolean(4), rs.getTimestamp(5)));
                }
            }
        }
        return out;
    }

    /**
     * Clears the refresh, unless more was added since {@code o} was read; then the span stays owed, but the
     * wait starts again, so that a snapshot still pouring in is refreshed once per maximum wait, not in a loop.
     */
    static boolean refreshed(Connection c, Owed o) throws SQLException {
        if (clear(c, o, "refresh_from = NULL, refresh_to = NULL, pending_since = NULL")) {
            return true;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET pending_since = clock_timestamp() WHERE table_name = ?")) {
            ps.setString(1, o.table());
            ps.executeUpdate();
        }
        return false;
    }

    /** Clears the compression, unless more was added since {@code o} was read. */
    static boolean compressed(Connection c, Owed o) throws SQLException {
        return clear(c, o, "compress_due = false");
    }

    private static boolean exists(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT to_regclass('" + TABLE + "') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static boolean clear(Connection c, Owed o, String set) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET " + set + " WHERE table_name = ? AND changed_at = ?")) {
            ps.setString(1, o.table());
            ps.setTimestamp(2, o.changedAt());
            return ps.executeUpdate() == 1;
        }
    }

    /** Whether anything is owed at all (settled or not): what tests and the benchmark wait for. */
    public static boolean anythingOwed(Connection c) throws SQLException {
        if (!exists(c)) {
            return false;
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM " + TABLE + " WHERE refresh_from IS NOT NULL OR compress_due)")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
