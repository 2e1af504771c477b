package io.tributary.sink.postgres;

import io.tributary.common.sql.Bookkeeping;
import io.tributary.common.sql.Identifiers;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.event.Position;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generation markers ({@link GenerationMarker}) applied to a target, kept in {@value Bookkeeping#FLOOR}: per
 * table, the generation in force ({@code generation}: events of older ones are refused), the newest snapshot
 * row read ({@code snapshot_read}) and a marker still waiting for its snapshot's rows
 * ({@code pending_generation}, {@code pending_through}).
 *
 * <p>Contract: a marker is applied (older rows and remembered deletes dropped, the floor raised, never
 * lowered) once the sink has read a snapshot row (op {@code r}) of the table at or after the marker's
 * {@code through}, the snapshot's last row, or at once when it names none. A capture numbers snapshot rows in
 * the order it writes them, so on a one-partition topic that means every row of the snapshot was read.
 * {@code snapshot_read} is stored with each batch, so the wait survives restarts and a marker read after its
 * rows applies at once. Markers arrive on their own topic and the rows through the transform, in either
 * order; waiting keeps every row the source still has in the target throughout. A newer marker replaces one
 * still waiting; one not newer than the floor changes nothing.
 *
 * <p>Not guaranteed: with several partitions per topic, the last row read does not prove the other
 * partitions' rows were; a reader may then briefly miss rows of those partitions. A snapshot's last row that
 * never reaches the sink (dead-lettered by the transform) leaves the marker waiting: the target then keeps
 * rows the source deleted while nobody watched, and nothing else.
 */
final class GenerationFloor {
    private static final Logger log = LoggerFactory.getLogger(GenerationFloor.class);
    private static final String UPSERT = "INSERT INTO " + Bookkeeping.FLOOR + " AS f (table_name, generation";

    private GenerationFloor() {
    }

    /** Creates the floor table, or adds the columns of waiting markers to one made before they existed. */
    static void ensure(Statement s) throws SQLException {
        s.execute("CREATE TABLE IF NOT EXISTS " + Bookkeeping.FLOOR + " (table_name text PRIMARY KEY, generation bigint NOT NULL)");
        s.execute("ALTER TABLE " + Bookkeeping.FLOOR + " ADD COLUMN IF NOT EXISTS snapshot_read bigint[], "
                + "ADD COLUMN IF NOT EXISTS pending_generation bigint, ADD COLUMN IF NOT EXISTS pending_through bigint[]");
    }

    /**
     * Records, per table, the newest snapshot row of a batch (in the batch's transaction), then applies the
     * waiting markers whose last row is now read.
     *
     * @return the tables whose new generation came into force
     */
    static List<String> read(Connection c, Map<String, Position> newestSnapshotRows) throws SQLException {
        for (Map.Entry<String, Position> e : newestSnapshotRows.entrySet()) {
            try (PreparedStatement ps = c.prepareStatement(UPSERT + ", snapshot_read) VALUES (?, -9223372036854775808, ?) "
                    + "ON CONFLICT (table_name) DO UPDATE SET snapshot_read = EXCLUDED.snapshot_read "
                    + "WHERE f.snapshot_read IS NULL OR f.snapshot_read < EXCLUDED.snapshot_read")) {
                ps.setString(1, e.getKey());
                ps.setArray(2, array(c, e.getValue()));
                ps.executeUpdate();
            }
        }
        List<String> applied = new ArrayList<>();
        for (Waiting w : waiting(c)) {
            if (w.read != null && w.read.compareTo(w.through) >= 0) {
                apply(c, w.table, w.generation);
                applied.add(w.table);
            }
        }
        return applied;
    }

    /**
     * Takes a marker of a table this service owns: applied now if its snapshot's last row was read, else kept waiting.
     *
     * @return whether the marker's generation came into force now
     */
    static boolean receive(Connection c, GenerationMarker m) throws SQLException {
        Position read = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT generation, snapshot_read FROM " + Bookkeeping.FLOOR + " WHERE table_name = ?")) {
            ps.setString(1, m.table());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    if (m.generation() <= rs.getLong(1)) {
                        return false;
                    }
                    read = position(rs.getArray(2));
                }
            }
        }
        if (m.through() == null || read != null && read.compareTo(m.through()) >= 0) {
            apply(c, m.table(), m.generation());
            return true;
        }
        try (PreparedStatement ps = c.prepareStatement(UPSERT + ", pending_generation, pending_through) VALUES (?, -9223372036854775808, ?, ?) "
                + "ON CONFLICT (table_name) DO UPDATE SET pending_generation = EXCLUDED.pending_generation, pending_through = EXCLUDED.pending_through "
                + "WHERE f.pending_generation IS NULL OR f.pending_generation < EXCLUDED.pending_generation")) {
            ps.setString(1, m.table());
            ps.setLong(2, m.generation());
            ps.setArray(3, array(c, m.through()));
            ps.executeUpdate();
        }
        log.info("generation marker waits for its snapshot rows table={} generation={} through={}", m.table(), m.generation(), m.through());
        return false;
    }

    /**
     * Generation {@code generation} of {@code table} in force: rows and remembered deletes of older generations
     * go (the new snapshot brought again every row that still exists), older events are refused from now on,
     * and a waiting marker it covers is done. Never lowers the floor.
     */
    static void apply(Connection c, String table, long generation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPSERT + ") VALUES (?, ?) ON CONFLICT (table_name) DO UPDATE "
                + "SET generation = GREATEST(f.generation, EXCLUDED.generation), "
                + "pending_generation = CASE WHEN f.pending_generation <= EXCLUDED.generation THEN NULL ELSE f.pending_generation END, "
                + "pending_through = CASE WHEN f.pending_generation <= EXCLUDED.generation THEN NULL ELSE f.pending_through END")) {
            ps.setString(1, table);
            ps.setLong(2, generation);
            ps.executeUpdate();
        }
        if (!exists(c, table)) {
            return;
        }
        for (String t : List.of(table, Bookkeeping.deletesTable(table))) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + Identifiers.quote(t) + " WHERE " + Bookkeeping.POSITION + "[1] < ?")) {
                ps.setLong(1, generation);
                int n = ps.executeUpdate();
                if (n > 0 && t.equals(table)) {
                    log.info("dropped rows of older generations table={} generation={} rows={}", table, generation, n);
                }
            }
        }
    }

    private record Waiting(String table, long generation, Position through, Position read) {
    }

    private static List<Waiting> waiting(Connection c) throws SQLException {
        List<Waiting> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT table_name, pending_generation, pending_through, snapshot_read FROM "
                + Bookkeeping.FLOOR + " WHERE pending_generation IS NOT NULL")) {
            while (rs.next()) {
                out.add(new Waiting(rs.getString(1), rs.getLong(2), position(rs.getArray(3)), position(rs.getArray(4))));
            }
        }
        return out;
    }

    private static Position position(Array a) throws SQLException {
        return a == null ? null : Position.fromList(List.of((Long[]) a.getArray()));
    }

    private static Array array(Connection c, Position p) throws SQLException {
        return c.createArrayOf("bigint", p.toList().toArray());
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL AND to_regclass(?) IS NOT NULL")) {
            ps.setString(1, Identifiers.quote(table));
            ps.setString(2, Identifiers.quote(Bookkeeping.deletesTable(table)));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
