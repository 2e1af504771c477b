package io.tributary.sink.postgres;

import io.tributary.common.sql.Bookkeeping;
import io.tributary.common.sql.Identifiers;
import io.tributary.schemas.event.TableDefinition;
import io.tributary.schemas.event.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds the source's UNIQUE, CHECK and foreign-key constraints ({@link TableDefinition}) to the target tables
 * of a service whose {@code constraints} option is on, once each table's snapshot is complete (its
 * generation marker applied, see {@link GenerationFloor}), and a foreign key once the table it references is
 * complete too: before that, rows of different tables arrive in any order. Afterwards, the sink's parking
 * handles what they refuse in the stream (a child before its parent, a unique value still held).
 *
 * <p>Each constraint is added in a savepoint; one the rows do not satisfy yet (an orphan still parked, a
 * duplicate the stream has not resolved) is logged once with the reason and tried again later, the wait
 * doubling from 10 s up to 10 minutes (adding a foreign key reads both tables).
 * A constraint is found by its name, so a restart adds only what is missing. A foreign key to a table this
 * service does not own is left out, logged once.
 *
 * <p>Not guaranteed: a constraint that the target's rows keep violating (a quarantined orphan) is never
 * added; the warning names it and the reason.
 */
final class SourceConstraints {
    private static final Logger log = LoggerFactory.getLogger(SourceConstraints.class);
    private static final long MAX_WAIT_MILLIS = 600_000;

    private record Constraint(String name, String ddl, String references) {
    }

    private final String service;
    private final Set<String> owned;
    private final Map<String, List<Constraint>> pending = new LinkedHashMap<>();
    private final Set<String> warned = new HashSet<>();
    /** Per refused constraint: how often it was refused, and when to try it again (a foreign key's check reads both tables). */
    private final Map<String, long[]> backoff = new HashMap<>();

    SourceConstraints(String service, Set<String> owned) {
        this.service = service;
        this.owned = Set.copyOf(owned);
    }

    /** Remembers the constraints of {@code t} to add, when its option asks for them. */
    void track(TableSchema t, boolean wanted) {
        String table = t.table().table();
        List<Constraint> all = constraints(t);
        if (wanted && !all.isEmpty() && !pending.containsKey(table)) {
            pending.put(table, all);
        }
    }

    boolean pending() {
        return !pending.isEmpty();
    }

    /** Adds, inside the caller's transaction, every pending constraint whose tables' snapshots are complete. */
    void addDue(Connection c) throws SQLException {
        if (pending.isEmpty()) {
            return;
        }
        Set<String> complete = completeTables(c);
        for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (complete.contains(e.getKey()) && addAll(c, e.getKey(), e.getValue(), complete)) {
                it.remove();
            }
        }
    }

    /** True when nothing is left to add to {@code table}. */
    private boolean addAll(Connection c, String table, List<Constraint> constraints, Set<String> complete) throws SQLException {
        boolean done = true;
        for (Constraint k : constraints) {
            if (k.references != null && !owned.contains(k.references)) {
                warnOnce(table, k, "it references table " + k.references + ", which service " + service + " does not own; left out");
            } else if (k.references != null && !complete.contains(k.references)) {
                done = false;
            } else if (!exists(c, table, k.name)) {
                done &= due(table, k) && add(c, table, k);
            }
        }
        return done;
    }

    private boolean add(Connection c, String table, Constraint k) throws SQLException {
        Savepoint sp = c.setSavepoint();
        try (Statement s = c.createStatement()) {
            s.execute(k.ddl);
            c.releaseSavepoint(sp);
            log.info("added source constraint service={} table={} constraint={}", service, table, k.name);
            return true;
        } catch (SQLException e) {
            c.rollback(sp);
            if (SqlErrors.classify(e) == SqlErrors.Kind.RETRIABLE && !"42P07".equals(SqlErrors.state(e))) {
                throw e;
            }
            warnOnce(table, k, "the target's rows do not allow it yet (tried again later, waiting longer each time up to 10 minutes): "
                    + SqlErrors.describe(e));
            long[] b = backoff.computeIfAbsent(table + "/" + k.name, x -> new long[2]);
            b[0]++;
            b[1] = System.currentTimeMillis() + Math.min(MAX_WAIT_MILLIS, 5_000L << Math.min(b[0], 10));
            return false;
        }
    }

    private boolean due(String table, Constraint k) {
        long[] b = backoff.get(table + "/" + k.name);
        return b == null || System.currentTimeMillis() >= b[1];
    }

    private void warnOnce(String table, Constraint k, String why) {
        if (warned.add(table + "/" + k.name)) {
            log.warn("source constraint not added service={} table={} constraint={}: {}", service, table, k.name, why);
        }
    }

    private static List<Constraint> constraints(TableSchema t) {
        String table = Identifiers.quote(t.table().table());
        TableDefinition d = t.definition();
        List<Constraint> out = new ArrayList<>();
        for (TableDefinition.Index i : d.indexes()) {
            if (i.unique()) {
                out.add(new Constraint(i.name(), "ALTER TABLE " + table + " ADD CONSTRAINT " + Identifiers.quote(i.name()) + " UNIQUE ("
                        + AppReadyDdl.columns(i.columns()) + ")", null));
            }
        }
        for (TableDefinition.Check k : d.checks()) {
            out.add(new Constraint(k.name(), "ALTER TABLE " + table + " ADD CONSTRAINT " + Identifiers.quote(k.name()) + " CHECK (" + k.expression() + ")", null));
        }
        for (TableDefinition.ForeignKey f : d.foreignKeys()) {
            out.add(new Constraint(f.name(), "ALTER TABLE " + table + " ADD CONSTRAINT " + Identifiers.quote(f.name()) + " FOREIGN KEY ("
                    + AppReadyDdl.columns(f.columns()) + ") REFERENCES " + Identifiers.quote(f.table()) + " (" + AppReadyDdl.columns(f.referencedColumns())
                    + ") ON DELETE " + f.onDelete() + " ON UPDATE " + f.onUpdate(), f.table()));
        }
        return out;
    }

    private static boolean exists(Connection c, String table, String constraint) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(?) AND conname = ?")) {
            ps.setString(1, Identifiers.quote(table));
            ps.setString(2, constraint);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The service's tables whose snapshot is complete: a generation applied and none waiting. */
    private Set<String> completeTables(Connection c) throws SQLException {
        Set<String> out = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT table_name FROM " + Bookkeeping.FLOOR
                + " WHERE service = ? AND generation >= 0 AND pending_generation IS NULL")) {
            ps.setString(1, service);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
