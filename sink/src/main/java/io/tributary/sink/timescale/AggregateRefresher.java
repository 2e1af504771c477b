package io.tributary.sink.timescale;

import io.tributary.common.config.PipelineConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refreshes every declared aggregate of one hypertable over a span of row times, in windows of about one
 * chunk each (one {@code refresh_continuous_aggregate} call, so one materialisation transaction, per
 * window), newest window first, aggregates in declaration order so that a hierarchical aggregate reads an
 * aggregate already refreshed. The span is widened to whole buckets of the coarsest aggregate (so every
 * bucket it touches is complete) and cut, per aggregate, at its policy's end offset: newer buckets are
 * still filling and the policy refreshes them. With a retention policy it is also cut a chunk interval after
 * the retention horizon: the raw rows there are being dropped, and refreshing a bucket whose rows are gone
 * would take it out of the aggregate. Needs an autocommit connection with time zone UTC.
 */
final class AggregateRefresher {
    private static final Logger log = LoggerFactory.getLogger(AggregateRefresher.class);

    private AggregateRefresher() {
    }

    /** Refreshes {@code table}'s aggregates over rows from {@code from} to {@code to}; returns the windows refreshed. */
    static int refresh(Connection c, String table, PipelineConfig.Timescale ts, Instant from, Instant to) throws SQLException {
        if (ts.aggregates().isEmpty()) {
            return 0;
        }
        String cast = timeCast(c, table);
        String coarsest = coarsest(c, ts.aggregates().stream().map(PipelineConfig.Aggregate::bucket).toList());
        int windows = 0;
        for (PipelineConfig.Aggregate a : ts.aggregates()) {
            long t0 = System.nanoTime();
            List<Instant[]> ws = windows(c, a, ts, coarsest, from, to);
            for (Instant[] w : ws) {
                try (PreparedStatement ps = c.prepareStatement("CALL refresh_continuous_aggregate(?::regclass, " + cast + ", " + cast
                        + ", false, '{\"buckets_per_batch\": 0}')")) {
                    ps.setString(1, TimescaleSql.quote(a.name()));
                    ps.setTimestamp(2, Timestamp.from(w[0]));
                    ps.setTimestamp(3, Timestamp.from(w[1]));
                    ps.execute();
                }
            }
            windows += ws.size();
            if (!ws.isEmpty()) {
                log.info("aggregate history refreshed aggregate={} table={} from={} to={} windows={} seconds={}", a.name(), table,
                        ws.get(ws.size() - 1)[0], ws.get(0)[1], ws.size(), String.format("%.2f", (System.nanoTime() - t0) / 1e9));
            }
        }
        return windows;
    }

    /**
     * The windows, newest first: whole buckets covering the span widened to the coarsest bucket, up to the
     * policy's end offset, about one chunk interval long (a whole number of buckets).
     */
    private static List<Instant[]> windows(Connection c, PipelineConfig.Aggregate a, PipelineConfig.Timescale ts, String coarsest, Instant from,
                                           Instant to) throws SQLException {
        String sql = "WITH p AS (SELECT ?::interval AS b, ?::interval AS coarse, (?::interval) * GREATEST(1, ceil(extract(epoch FROM ?::interval) "
                + "/ extract(epoch FROM ?::interval)))::int AS step, "
                + "COALESCE(time_bucket(?::interval, now() - ?::interval + ?::interval) + ?::interval, '-infinity') AS horizon), "
                + "r AS (SELECT time_bucket(p.b, GREATEST(time_bucket(p.coarse, ?::timestamptz), p.horizon)) AS lo, "
                + "LEAST(time_bucket(p.coarse, ?::timestamptz) + p.coarse, time_bucket(p.b, now() - ?::interval)) AS hi, p.step FROM p) "
                + "SELECT w, LEAST(w + r.step, r.hi) FROM r, generate_series(r.lo, r.hi - interval '1 microsecond', r.step) AS w ORDER BY w DESC";
        List<Instant[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, a.bucket());
            ps.setString(2, coarsest);
            ps.setString(3, a.bucket());
            ps.setString(4, ts.chunkInterval());
            ps.setString(5, a.bucket());
            ps.setString(6, coarsest);
            ps.setString(7, ts.retention()); // null without retention: no horizon
            ps.setString(8, ts.chunkInterval());
            ps.setString(9, coarsest);
            ps.setTimestamp(10, Timestamp.from(from));
            ps.setTimestamp(11, Timestamp.from(to));
            ps.setString(12, a.refreshEnd());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Instant[] {rs.getTimestamp(1).toInstant(), rs.getTimestamp(2).toInstant()});
                }
            }
        }
        return out;
    }

    /** The refresh window's bounds as the hypertable's time type: TimescaleDB takes them in that type. */
    private static String timeCast(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT column_type::text FROM timescaledb_information.dimensions "
                + "WHERE hypertable_schema = current_schema() AND hypertable_name = ? ORDER BY dimension_number LIMIT 1")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                String type = rs.next() ? rs.getString(1) : "timestamp with time zone";
                return switch (type) {
                    case "timestamp without time zone" -> "(?::timestamptz AT TIME ZONE 'UTC')";
                    case "date" -> "(?::timestamptz AT TIME ZONE 'UTC')::date";
                    default -> "?::timestamptz";
                };
            }
        }
    }

    private static String coarsest(Connection c, List<String> buckets) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT b FROM unnest(?::text[]) AS b ORDER BY b::interval DESC LIMIT 1")) {
            ps.setArray(1, c.createArrayOf("text", buckets.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
