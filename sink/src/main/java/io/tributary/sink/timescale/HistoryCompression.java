package io.tributary.sink.timescale;

import io.tributary.common.config.PipelineConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compresses the chunks of one hypertable that its compression policy would compress (all of them older
 * than {@code compress-after}), each in its own transaction, as soon as migrated history has arrived,
 * instead of leaving it to the policy's first run hours later. Partially compressed chunks (rows written
 * into compressed chunks since) are recompressed. Needs an autocommit connection.
 */
final class HistoryCompression {
    private static final Logger log = LoggerFactory.getLogger(HistoryCompression.class);

    /** Sizes of the hypertable's compressed chunks before and after compression, from {@code hypertable_compression_stats}. */
    record Result(int chunks, long beforeBytes, long afterBytes) {
        double ratio() {
            return afterBytes == 0 ? 0 : (double) beforeBytes / afterBytes;
        }
    }

    private HistoryCompression() {
    }

    static Result compress(Connection c, String table, PipelineConfig.Timescale ts) throws SQLException {
        List<String> chunks = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT ch::text FROM show_chunks(?::regclass, older_than => ?::interval) AS ch")) {
            ps.setString(1, TimescaleSql.quote(table));
            ps.setString(2, ts.compressAfter());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    chunks.add(rs.getString(1));
                }
            }
        }
        long t0 = System.nanoTime();
        for (String chunk : chunks) {
            try (PreparedStatement ps = c.prepareStatement("SELECT compress_chunk(?::regclass, if_not_compressed => true)")) {
                ps.setString(1, chunk);
                ps.execute();
            }
        }
        Result r = stats(c, table, chunks.size());
        log.info("history compressed table={} chunks={} before_bytes={} after_bytes={} ratio={} seconds={}", table, chunks.size(), r.beforeBytes(),
                r.afterBytes(), String.format("%.1f", r.ratio()), String.format("%.2f", (System.nanoTime() - t0) / 1e9));
        return r;
    }

    private static Result stats(Connection c, String table, int chunks) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(before_compression_total_bytes, 0), COALESCE(after_compression_total_bytes, 0) "
                + "FROM hypertable_compression_stats(?::regclass)")) {
            ps.setString(1, TimescaleSql.quote(table));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Result(chunks, rs.getLong(1), rs.getLong(2)) : new Result(chunks, 0, 0);
            }
        }
    }
}
