package io.tributary.sink.postgres;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Bookkeeping;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events of one service waiting for another event ({@value Bookkeeping#PARKED}): a parent row, the
 * children of a parent being deleted, a unique value another row still holds; and those that waited in vain
 * ({@value Bookkeeping#QUARANTINE}). A parked event keeps its original key and value bytes, so it is decoded
 * again and retried with every later batch; once it has waited longer than the service's park-timeout it stays
 * impossible (an orphan, a value the target holds elsewhere) and moves to quarantine with the reason. Every
 * method works inside the caller's transaction, so parking commits or rolls back with the batch that parked
 * the event.
 *
 * <p>Several services may share one target database: each reads and removes only the events of its own topics
 * ({@code <service>.<table>}), so one never applies another's events with its own table options.
 */
final class ParkedEvents {
    private static final Logger log = LoggerFactory.getLogger(ParkedEvents.class);
    /** Parked events retried with one batch at most; the rest wait for the next. */
    private static final int RETRY_LIMIT = 10_000;

    /** Decodes a parked event's stored bytes back into an event. */
    interface Decoder {
        SinkEvent decode(String topic, int partition, long offset, byte[] key, byte[] value, Long parkedId);
    }

    private final PipelineConfig.Service service;
    private final Decoder decoder;
    /** The service's topics: the parked events that are this service's. */
    private final String[] topics;

    ParkedEvents(PipelineConfig.Service service, Decoder decoder) {
        this.service = service;
        this.decoder = decoder;
        this.topics = service.tables().stream().map(service::topic).toArray(String[]::new);
    }

    private java.sql.Array topics(Connection db) throws SQLException {
        return db.createArrayOf("text", topics);
    }

    /** Creates both tables when missing (same columns: quarantine is where a parked row moves). */
    static void createTables(Statement s) throws SQLException {
        for (String t : List.of(Bookkeeping.PARKED, Bookkeeping.QUARANTINE)) {
            s.execute("CREATE TABLE IF NOT EXISTS " + t + " (id bigserial PRIMARY KEY, table_name text NOT NULL, topic text NOT NULL, "
                    + "kafka_partition int NOT NULL, kafka_offset bigint NOT NULL, record_key bytea, record_value bytea NOT NULL, "
                    + "reason text NOT NULL, first_seen timestamptz NOT NULL DEFAULT now(), attempts int NOT NULL DEFAULT 1, "
                    + "last_seen timestamptz NOT NULL DEFAULT now())");
        }
    }

    /**
     * The parked events to retry, oldest first, decoded with their {@link SinkEvent#parkedId()}. One that
     * cannot be decoded now (its schema id unknown to the registry, say) stays parked as it is and is left out
     * of this batch, with a warning: it was read once, so the cause is not its bytes, and it must neither stop
     * every later batch nor be lost.
     */
    List<SinkEvent> load(Connection db) throws SQLException {
        List<SinkEvent> out = new ArrayList<>();
        int undecodable = 0;
        String firstFailure = null;
        try (PreparedStatement ps = db.prepareStatement("SELECT id, topic, kafka_partition, kafka_offset, record_key, record_value "
                + "FROM " + Bookkeeping.PARKED + " WHERE topic = ANY (?) ORDER BY id LIMIT " + RETRY_LIMIT)) {
            ps.setArray(1, topics(db));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    try {
                        out.add(decoder.decode(rs.getString(2), rs.getInt(3), rs.getLong(4), rs.getBytes(5), rs.getBytes(6), rs.getLong(1)));
                    } catch (RuntimeException e) {
                        if (undecodable++ == 0) {
                            firstFailure = "id=" + rs.getLong(1) + " record=" + rs.getString(2) + "/" + rs.getInt(3) + "@" + rs.getLong(4)
                                    + " error=" + e.getMessage();
                        }
                    }
                }
            }
        }
        if (undecodable > 0) {
            log.warn("parked events left parked, cannot be decoded now service={} count={} first: {}", service.name(), undecodable, firstFailure);
        }
        return out;
    }

    boolean any(Connection db) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + Bookkeeping.PARKED + " WHERE topic = ANY (?))")) {
            ps.setArray(1, topics(db));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Parks {@code e} (the reason is SqlErrors' description), or quarantines it once it has waited longer than
     * park-timeout; true when parked.
     */
    boolean park(Connection db, SinkEvent e, String reason) throws SQLException {
        if (e.parkedId() != null) {
            try (PreparedStatement ps = db.prepareStatement("UPDATE " + Bookkeeping.PARKED + " SET attempts = attempts + 1, last_seen = now(), reason = ? "
                    + "WHERE id = ? RETURNING now() - first_seen > make_interval(secs => ?)")) {
                ps.setString(1, reason);
                ps.setLong(2, e.parkedId());
                ps.setDouble(3, service.parkTimeout().toMillis() / 1000.0);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        quarantine(db, e.parkedId(), e, reason);
                        return false;
                    }
                }
            }
            return true;
        }
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO " + Bookkeeping.PARKED + " (table_name, topic, kafka_partition, kafka_offset, "
                + "record_key, record_value, reason) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, e.schema().table().table());
            ps.setString(2, e.topic());
            ps.setInt(3, e.partition());
            ps.setLong(4, e.offset());
            ps.setBytes(5, e.rawKey());
            ps.setBytes(6, e.rawValue());
            ps.setString(7, reason);
            ps.executeUpdate();
        }
        log.info("parked service={} event={} reason={}", service.name(), e.describe(), reason);
        return true;
    }

    private void quarantine(Connection db, long parkedId, SinkEvent e, String reason) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("WITH moved AS (DELETE FROM " + Bookkeeping.PARKED + " WHERE id = ? RETURNING *) "
                + "INSERT INTO " + Bookkeeping.QUARANTINE + " (table_name, topic, kafka_partition, kafka_offset, record_key, record_value, reason, "
                + "first_seen, attempts, last_seen) SELECT table_name, topic, kafka_partition, kafka_offset, record_key, record_value, "
                + "? || ' after ' || attempts || ' attempts since ' || first_seen || '; ' || ?, first_seen, attempts, now() FROM moved")) {
            ps.setLong(1, parkedId);
            ps.setString(2, reason.contains("23503") ? "orphan: no parent row (or children still there)" : "still impossible: a unique value another row holds");
            ps.setString(3, reason);
            ps.executeUpdate();
        }
        log.warn("quarantined service={} event={} reason={}", service.name(), e.describe(), reason);
    }

    /** Removes parked events that were applied, dead-lettered or superseded. */
    void remove(Connection db, List<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM " + Bookkeeping.PARKED + " WHERE id = ANY (?)")) { // ids of this service's events
            ps.setArray(1, db.createArrayOf("int8", ids.toArray()));
            ps.executeUpdate();
        }
    }
}
