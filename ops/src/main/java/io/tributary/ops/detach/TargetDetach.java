package io.tributary.ops.detach;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.common.sql.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes the sink's bookkeeping ({@link Bookkeeping}) of one service from its target database, in one
 * transaction, once the service owns its tables: on each table, the rows flagged deleted ({@code delete: soft},
 * which are not part of the copy) and the columns {@value Bookkeeping#POSITION} and {@value Bookkeeping#DELETED};
 * each table's remembered deletes; the service's rows in the shared side tables (floor, parked, quarantine,
 * history), and each shared table that no other service uses any more. {@code _tributary_rowid} is source data
 * and stays. Dropping a column only marks it dropped in PostgreSQL: nothing is rewritten.
 *
 * <p>Not guaranteed: a sink of the service started again afterwards puts its bookkeeping back (the caller checks
 * that none runs); the transform's topics and the capture's slot are not touched.
 */
public final class TargetDetach {
    private TargetDetach() {
    }

    /** Detaches {@code service}; returns what was removed, one line each. */
    public static List<String> run(PipelineConfig.Service service) throws SQLException {
        List<String> done = new ArrayList<>();
        try (Connection c = Preflight.connect(service.target().url(), service.target().user(), service.target().password())) {
            c.setAutoCommit(false);
            List<String> tables = service.tables().stream().map(service::targetTable).toList();
            try (Statement s = c.createStatement()) {
                for (String table : tables) {
                    detachTable(c, s, table, done);
                }
            }
            List<String> topics = service.tables().stream().map(service::topic).toList();
            forget(c, Bookkeeping.FLOOR, "service = ?", service.name(), done);
            forget(c, Bookkeeping.PARKED, "topic = ANY (?)", topics, done);
            forget(c, Bookkeeping.QUARANTINE, "topic = ANY (?)", topics, done);
            forget(c, Bookkeeping.HISTORY, "table_name = ANY (?)", tables, done);
            c.commit();
        }
        return done;
    }

    private static void detachTable(Connection c, Statement s, String table, List<String> done) throws SQLException {
        String quoted = Identifiers.quote(table);
        if (column(c, table, Bookkeeping.DELETED)) {
            int gone = s.executeUpdate("DELETE FROM " + quoted + " WHERE " + Bookkeeping.DELETED);
            s.execute("ALTER TABLE " + quoted + " DROP COLUMN " + Bookkeeping.DELETED);
            done.add("table " + table + ": removed " + gone + " row(s) flagged deleted and column " + Bookkeeping.DELETED);
        }
        if (column(c, table, Bookkeeping.POSITION)) {
            s.execute("ALTER TABLE " + quoted + " DROP COLUMN " + Bookkeeping.POSITION);
            done.add("table " + table + ": removed column " + Bookkeeping.POSITION);
        }
        String deletes = Bookkeeping.deletesTable(table);
        if (exists(c, deletes)) {
            s.execute("DROP TABLE " + Identifiers.quote(deletes));
            done.add("table " + table + ": removed its remembered deletes " + deletes);
        }
    }

    /** Deletes the service's rows of a shared table, and drops the table when no other service has rows in it. */
    private static void forget(Connection c, String shared, String where, Object value, List<String> done) throws SQLException {
        if (!exists(c, shared)) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + shared + " WHERE " + where)) {
            if (value instanceof List<?> list) {
                ps.setArray(1, c.createArrayOf("text", list.toArray()));
            } else {
                ps.setString(1, (String) value);
            }
            int n = ps.executeUpdate();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM " + shared + ")")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    done.add(shared + ": removed the service's " + n + " row(s); other services still use it");
                } else {
                    s.execute("DROP TABLE " + shared);
                    done.add("removed " + shared);
                }
            }
        }
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, Identifiers.quote(table));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static boolean column(Connection c, String table, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(?) AND attname = ? AND NOT attisdropped")) {
            ps.setString(1, Identifiers.quote(table));
            ps.setString(2, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
