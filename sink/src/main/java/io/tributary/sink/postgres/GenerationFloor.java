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
 * table, the generation in force (events of older ones are refused, {@code generation}) and a marker still
 * waiting for its snapshot's rows ({@code pending_generation}, {@code pending_through}).
 *
 * <p>Contract: a marker is applied (older rows and remembered deletes dropped, the floor raised, never
 * lowered) once the sink has read the table's events up to the marker's {@code through} position, the
 * snapshot's last row, or at once when it names none. Read up to means: an event of the table at or after
 * {@code through} was in a batch, or the target holds a row or remembered delete at or after it (which
 * survives restarts). Markers arrive on their own topic and the snapshot rows through the transform, in
 * either order; waiting keeps every row the source still has in the target throughout. A newer marker
 * replaces one still waiting; one not newer than the floor changes nothing.
 *
 * <p>Not guaranteed: with several partitions per topic, reading the last row does not prove the other
 * partitions' rows were read; a reader may then briefly miss rows of those partitions. A snapshot's last row
 * that never reaches the sink (dead-lettered, or compacted away with no later event of the table) leaves
 * the marker waiting: the target keeps rows the source deleted while nobody watched, and nothing else.
 */
final class GenerationFloor {
    private static final Logger log = LoggerFactory.getLogger(GenerationFloor.class);

    private GenerationFloor() {
    }

    /** Creates the floor table, or adds the waiting-marker columns to one made before they existed. */
    static void ensure(Statement s) throws SQLException {
        s.execute("CREATE TABLE IF NOT EXISTS " + Bookkeeping.FLOOR + " (table_name text PRIMARY KEY, generation bigint NOT NULL)");
        s.execute("ALTER TABLE " + Bookkeeping.FLOOR + " ADD COLUMN IF NOT EXISTS pending_generation bigint, "
                + "ADD COLUMN IF NOT EXISTS pending_through bigint[]");
    }

    /** Takes a marker of a table this service owns: applied now if its snapshot's rows were read, else kept waiting. */
    static void receive(Connection c, GenerationMarker m) throws SQLException {
        if (m.generation() <= floor(c, m.table())) {
            return;
        }
        if (m.through() == null || targetHolds(c, m.table(), m.through())) {
            apply(c, m.table(), m.generation());
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Bookkeeping.FLOOR + " AS f VALUES (?, -9223372036854775808, ?, ?) "
                + "ON CONFLICT (table_name) DO UPDATE SET pending_generation = EXCLUDED.pending_generation, pending_through = EXCLUDED.pending_through "
                + "WHERE f.pending_generation IS NULL OR f.pending_generation < EXCLUDED.pending_generation")) {
            ps.setString(1, m.table());
            ps.setLong(2, m.generation());
            ps.setArray(3, c.createArrayOf("bigint", m.through().toList().toArray()));
            ps.executeUpdate();
        }
        log.info("generation marker waits for its snapshot rows table={} generation={} through={}", m.table(), m.generation(), m.through());
    }

    /** Applies the waiting markers whose snapshot's last row is at or before the newest position read of their table. */
    static void advance(Connection c, Map<String, Position> newestRead) throws SQLException {
        for (Waiting w : waiting(c)) {
            Position read = newestRead.get(w.table);
            if (read != null && read.compareTo(w.through) >= 0) {
                apply(c, w.table, w.generation);
            }
        }
    }

    /** Applies the waiting markers whose snapshot's last row the target already holds (after a restart or a reconnect). */
    static void recheck(Connection c) throws SQLException {
        for (Waiting w : waiting(c)) {
            if (targetHolds(c, w.table, w.through)) {
                apply(c, w.table, w.generation);
            }
        }
    }

    /**
     * Generation {@code generation} of {@code table} in force: rows and remembered deletes of older generations
     * go (the new snapshot brought again every row that still exists), older events are refused from now on,
     * and a waiting marker it covers is done. Never lowers the floor.
     */
    static void apply(Connection c, String table, long generation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Bookkeeping.FLOOR + " AS f VALUES (?, ?) ON CONFLICT (table_name) DO UPDATE "
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

    private static long floor(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT generation FROM " + Bookkeeping.FLOOR + " WHERE table_name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : Long.MIN_VALUE;
            }
        }
    }

    private record Waiting(String table, long generation, Position through) {
    }

    private static List<Waiting> waiting(Connection c) throws SQLException {
        List<Waiting> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT table_name, pending_generation, pending_through FROM "
                + Bookkeeping.FLOOR + " WHERE pending_generation IS NOT NULL")) {
            while (rs.next()) {
                Array through = rs.getArray(3);
                out.add(new Waiting(rs.getString(1), rs.getLong(2), Position.fromList(List.of((Long[]) through.getArray()))));
            }
        }
        return out;
    }

    /** The target holds a row or a remembered delete of {@code table} at or after {@code position}. */
    private static boolean targetHolds(Connection c, String table, Position position) throws SQLException {
        if (!exists(c, table)) {
            return false;
        }
        for (String t : List.of(table, Bookkeeping.deletesTable(table))) {
            try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + Identifiers.quote(t) + " WHERE "
                    + Bookkeeping.POSITION + " >= ?)")) {
                ps.setArray(1, c.createArrayOf("bigint", position.toList().toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return true;
                    }
                }
            }
        }
        return false;
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
