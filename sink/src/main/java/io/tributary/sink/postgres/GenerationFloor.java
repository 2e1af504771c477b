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
 * <p>Rows of older generations are deleted when the marker applies, in a savepoint: where a foreign key still
 * holds some of them (a child table whose own new generation or deletes have not arrived yet), the rows no
 * child references go at once, and the rest stay until a later batch finds them free ({@code sweep_pending});
 * the sink never stops over it.
 *
 * <p>Rows are scoped by service ({@code service}, {@code table_name}), so services sharing a target database
 * keep their own floors. A floor stored before the column existed (service {@code ''}) is taken over by the
 * first service that owns the table.
 *
 * <p>With several partitions per topic (the table's or the service's), the last row read proves nothing about
 * the other partitions' rows: a waiting marker then applies once its {@link Drain} says every snapshot row
 * reached the target ({@link SnapshotDrain}: Kafka's committed offsets of the transform and sink groups), the
 * steps of that wait kept in {@code pending_table_ends} and {@code pending_service_ends}.
 *
 * <p>Not guaranteed: on one partition, a snapshot's last row that never reaches the sink (dead-lettered by the
 * transform) leaves the marker waiting: the target then keeps rows the source deleted while nobody watched,
 * and nothing else.
 */
final class GenerationFloor {
    private static final Logger log = LoggerFactory.getLogger(GenerationFloor.class);
    private static final String UPSERT = "INSERT INTO " + Bookkeeping.FLOOR + " AS f (service, table_name, generation";

    private GenerationFloor() {
    }

    /** When a waiting marker's snapshot rows have all been read (see the class comment). */
    interface Drain {
        /** Topics of one partition each: the snapshot's last row read proves every row was. */
        Drain ONE_PARTITION = new Drain() {
            @Override
            public boolean lastRowProves(String table) {
                return true;
            }

            @Override
            public boolean drained(Connection c, String table, long generation) {
                return false;
            }
        };

        /** Whether reading the snapshot's last row ({@code through}) proves every row of {@code table}'s snapshot was read. */
        boolean lastRowProves(String table);

        /** Where it does not: takes the next step of the wait of marker {@code generation}, true once every snapshot row is in the target. */
        boolean drained(Connection c, String table, long generation) throws SQLException;
    }

    /**
     * Creates the floor table, or brings one made by an older version up to date (the columns of waiting
     * markers and sweeps, the service in its key), and takes over unscoped rows of {@code tables}.
     */
    static void ensure(Connection c, String service, List<String> tables) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + Bookkeeping.FLOOR + " (service text NOT NULL DEFAULT '', table_name text NOT NULL, "
                    + "generation bigint NOT NULL, PRIMARY KEY (service, table_name))");
            s.execute("ALTER TABLE " + Bookkeeping.FLOOR + " ADD COLUMN IF NOT EXISTS snapshot_read bigint[], "
                    + "ADD COLUMN IF NOT EXISTS pending_generation bigint, ADD COLUMN IF NOT EXISTS pending_through bigint[], "
                    + "ADD COLUMN IF NOT EXISTS sweep_pending boolean NOT NULL DEFAULT false, "
                    + "ADD COLUMN IF NOT EXISTS service text NOT NULL DEFAULT '', "
                    + "ADD COLUMN IF NOT EXISTS pending_table_ends bigint[], ADD COLUMN IF NOT EXISTS pending_service_ends bigint[]");
            try (ResultSet rs = s.executeQuery("SELECT conname FROM pg_constraint WHERE conrelid = '" + Bookkeeping.FLOOR + "'::regclass "
                    + "AND contype = 'p' AND array_length(conkey, 1) = 1")) {
                if (rs.next()) { // keyed by table_name alone: made before services were told apart
                    String pk = Identifiers.quote(rs.getString(1));
                    s.execute("ALTER TABLE " + Bookkeeping.FLOOR + " DROP CONSTRAINT " + pk + ", ADD PRIMARY KEY (service, table_name)");
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + Bookkeeping.FLOOR + " SET service = ? WHERE service = '' AND table_name = ANY (?)")) {
            ps.setString(1, service);
            ps.setArray(2, c.createArrayOf("text", tables.toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * Records, per table, the newest snapshot row of a batch (in the batch's transaction), then applies the
     * waiting markers whose last row is now read, and sweeps rows of older generations still held by a foreign key.
     *
     * @return the tables whose new generation came into force
     */
    static List<String> read(Connection c, String service, Map<String, Position> newestSnapshotRows, Drain drain) throws SQLException {
        for (Map.Entry<String, Position> e : newestSnapshotRows.entrySet()) {
            try (PreparedStatement ps = c.prepareStatement(UPSERT + ", snapshot_read) VALUES (?, ?, -9223372036854775808, ?) "
                    + "ON CONFLICT (service, table_name) DO UPDATE SET snapshot_read = EXCLUDED.snapshot_read "
                    + "WHERE f.snapshot_read IS NULL OR f.snapshot_read < EXCLUDED.snapshot_read")) {
                ps.setString(1, service);
                ps.setString(2, e.getKey());
                ps.setArray(3, array(c, e.getValue()));
                ps.executeUpdate();
            }
        }
        List<String> applied = new ArrayList<>();
        for (Waiting w : waiting(c, service)) {
            if (w.generation != null && (drain.lastRowProves(w.table) ? w.read != null && w.read.compareTo(w.through) >= 0
                    : drain.drained(c, w.table, w.generation))) {
                apply(c, service, w.table, w.generation);
                applied.add(w.table);
            } else if (w.sweep) {
                sweep(c, service, w.table, w.floor);
            }
        }
        return applied;
    }

    /**
     * Takes a marker of a table this service owns: applied now if its snapshot's last row was read, else kept waiting.
     *
     * @return whether the marker's generation came into force now
     */
    static boolean receive(Connection c, String service, GenerationMarker m, Drain drain) throws SQLException {
        Position read = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT generation, snapshot_read FROM " + Bookkeeping.FLOOR + " WHERE service = ? AND table_name = ?")) {
            ps.setString(1, service);
            ps.setString(2, m.table());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    if (m.generation() <= rs.getLong(1)) {
                        return false;
                    }
                    read = position(rs.getArray(2));
                }
            }
        }
        if (m.through() == null || read != null && read.compareTo(m.through()) >= 0 && drain.lastRowProves(m.table())) {
            apply(c, service, m.table(), m.generation());
            return true;
        }
        try (PreparedStatement ps = c.prepareStatement(UPSERT + ", pending_generation, pending_through) VALUES (?, ?, -9223372036854775808, ?, ?) "
                + "ON CONFLICT (service, table_name) DO UPDATE SET pending_generation = EXCLUDED.pending_generation, pending_through = EXCLUDED.pending_through, "
                + "pending_table_ends = NULL, pending_service_ends = NULL "
                + "WHERE f.pending_generation IS NULL OR f.pending_generation < EXCLUDED.pending_generation")) {
            ps.setString(1, service);
            ps.setString(2, m.table());
            ps.setLong(3, m.generation());
            ps.setArray(4, array(c, m.through()));
            ps.executeUpdate();
        }
        log.info("generation marker waits for its snapshot rows service={} table={} generation={} through={}", service, m.table(), m.generation(), m.through());
        return false;
    }

    /**
     * Generation {@code generation} of {@code table} in force: rows and remembered deletes of older generations
     * go (the new snapshot brought again every row that still exists), older events are refused from now on,
     * and a waiting marker it covers is done. Never lowers the floor.
     */
    static void apply(Connection c, String service, String table, long generation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPSERT + ") VALUES (?, ?, ?) ON CONFLICT (service, table_name) DO UPDATE "
                + "SET generation = GREATEST(f.generation, EXCLUDED.generation), "
                + "pending_generation = CASE WHEN f.pending_generation <= EXCLUDED.generation THEN NULL ELSE f.pending_generation END, "
                + "pending_through = CASE WHEN f.pending_generation <= EXCLUDED.generation THEN NULL ELSE f.pending_through END, "
                + "pending_table_ends = CASE WHEN f.pending_generation <= EXCLUDED.generation THEN NULL ELSE f.pending_table_ends END, "
                + "pending_service_ends = CASE WHEN f.pending_generation <= EXCLUDED.generation THEN NULL ELSE f.pending_service_ends END "
                + "RETURNING generation")) {
            ps.setString(1, service);
            ps.setString(2, table);
            ps.setLong(3, generation);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                generation = rs.getLong(1);
            }
        }
        sweep(c, service, table, generation);
    }

    /**
     * Deletes the rows and remembered deletes of generations older than {@code floor}. Rows a foreign key still
     * holds stay, and the table is swept again with every batch until they are gone (see the class comment).
     */
    private static void sweep(Connection c, String service, String table, long floor) throws SQLException {
        if (!exists(c, table)) {
            return;
        }
        deleteOlder(c, Bookkeeping.deletesTable(table), floor, "");
        java.sql.Savepoint sp = c.setSavepoint();
        boolean held = false;
        int n;
        try {
            n = deleteOlder(c, table, floor, "");
        } catch (SQLException e) {
            if (SqlErrors.classify(e) != SqlErrors.Kind.MISSING_PARENT) {
                throw e;
            }
            c.rollback(sp);
            held = true;
            sp = c.setSavepoint();
            try {
                n = deleteOlder(c, table, floor, unreferenced(c, table));
            } catch (SQLException again) { // held further down a chain of keys: all wait for the next batch
                if (SqlErrors.classify(again) != SqlErrors.Kind.MISSING_PARENT) {
                    throw again;
                }
                c.rollback(sp);
                n = 0;
            }
        }
        if (n > 0) {
            log.info("dropped rows of older generations service={} table={} generation={} rows={}", service, table, floor, n);
        }
        if (held) {
            log.info("rows of older generations still referenced by a foreign key wait for their children service={} table={} generation={}",
                    service, table, floor);
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + Bookkeeping.FLOOR + " SET sweep_pending = ? WHERE service = ? AND table_name = ? "
                + "AND sweep_pending <> ?")) {
            ps.setBoolean(1, held);
            ps.setString(2, service);
            ps.setString(3, table);
            ps.setBoolean(4, held);
            ps.executeUpdate();
        }
    }

    private static int deleteOlder(Connection c, String table, long floor, String andWhere) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + Identifiers.quote(table) + " t WHERE t." + Bookkeeping.POSITION + "[1] < ?"
                + (andWhere.isEmpty() ? "" : " AND " + andWhere))) {
            ps.setLong(1, floor);
            return ps.executeUpdate();
        }
    }

    /** A condition on rows {@code t} of {@code table}: no row of a table with a foreign key to it references them. */
    private static String unreferenced(Connection c, String table) throws SQLException {
        List<String> conditions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT f.conrelid::regclass::text, "
                + "(SELECT array_agg(quote_ident(a.attname) ORDER BY k.i) FROM unnest(f.conkey) WITH ORDINALITY k(n, i) "
                + "JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.n), "
                + "(SELECT array_agg(quote_ident(a.attname) ORDER BY k.i) FROM unnest(f.confkey) WITH ORDINALITY k(n, i) "
                + "JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.n) "
                + "FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = to_regclass(?)")) {
            ps.setString(1, Identifiers.quote(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] child = (String[]) rs.getArray(2).getArray();
                    String[] parent = (String[]) rs.getArray(3).getArray();
                    List<String> match = new ArrayList<>();
                    for (int i = 0; i < child.length; i++) {
                        match.add("r." + child[i] + " = t." + parent[i]);
                    }
                    conditions.add("NOT EXISTS (SELECT 1 FROM " + rs.getString(1) + " r WHERE " + String.join(" AND ", match) + ")");
                }
            }
        }
        return conditions.isEmpty() ? "true" : String.join(" AND ", conditions);
    }

    /** Whether a marker of {@code service} waits for its snapshot rows. */
    static boolean anyWaiting(Connection c, String service) throws SQLException {
        // the floor is created with the first batch's tables (TargetTables.ensureShared): an idle sink may ask before
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass('" + Bookkeeping.FLOOR + "') IS NOT NULL");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || !rs.getBoolean(1)) {
                return false;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + Bookkeeping.FLOOR + " WHERE service = ? AND pending_generation IS NOT NULL LIMIT 1")) {
            ps.setString(1, service);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private record Waiting(String table, long floor, Long generation, Position through, Position read, boolean sweep) {
    }

    private static List<Waiting> waiting(Connection c, String service) throws SQLException {
        List<Waiting> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT table_name, generation, pending_generation, pending_through, snapshot_read, sweep_pending FROM "
                + Bookkeeping.FLOOR + " WHERE service = ? AND (pending_generation IS NOT NULL OR sweep_pending)")) {
            ps.setString(1, service);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long pending = rs.getLong(3);
                    Long generation = rs.wasNull() ? null : pending;
                    out.add(new Waiting(rs.getString(1), rs.getLong(2), generation, position(rs.getArray(4)), position(rs.getArray(5)), rs.getBoolean(6)));
                }
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

    /**
     * Whether the sink has prepared {@code table} (its remembered deletes and its position column exist): a
     * migration-owned table the sink has not checked yet has neither, and its rows are the application's.
     */
    private static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL AND EXISTS (SELECT 1 FROM pg_attribute "
                + "WHERE attrelid = to_regclass(?) AND attname = '" + Bookkeeping.POSITION + "' AND NOT attisdropped)")) {
            ps.setString(1, Identifiers.quote(Bookkeeping.deletesTable(table)));
            ps.setString(2, Identifiers.quote(table));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
