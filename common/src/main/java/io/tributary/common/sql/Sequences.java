package io.tributary.common.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The serial and identity sequences of a target table, moved past the largest value the table holds, so that
 * the service can insert once it takes the table over from the source (after a snapshot, a replay, or at
 * cutover). Used by the sink as it applies and by {@code tributary cutover}. Never moves a sequence backwards.
 * The table is looked up in the connection's {@code current_schema()}.
 */
public final class Sequences {
    private Sequences() {
    }

    /**
     * One sequence of a table after {@link #advance}.
     *
     * @param column   the column it feeds
     * @param sequence its qualified name
     * @param next     the value the next {@code nextval} returns
     * @param highest  the column's largest value in the table, or null when the table is empty
     */
    public record Sequence(String column, String sequence, long next, Long highest) {
    }

    /** Moves every serial or identity sequence of {@code table} past the column's largest value; returns them as they are then. */
    public static List<Sequence> advance(Connection c, String table) throws SQLException {
        List<String[]> seqs = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, pg_get_serial_sequence(format('%I', r.relname), a.attname) "
                + "FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid WHERE r.relname = ? "
                + "AND r.relnamespace = current_schema()::regnamespace AND a.attnum > 0 AND NOT a.attisdropped "
                + "AND pg_get_serial_sequence(format('%I', r.relname), a.attname) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seqs.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        List<Sequence> out = new ArrayList<>();
        for (String[] seq : seqs) {
            String max = "SELECT max(" + Identifiers.quote(seq[0]) + ") AS m FROM " + Identifiers.quote(table);
            try (var s = c.createStatement()) {
                s.execute("SELECT setval('" + seq[1].replace("'", "''") + "', m) FROM (" + max + ") x, " + seq[1]
                        + " q WHERE m IS NOT NULL AND (m > q.last_value OR (NOT q.is_called AND m >= q.last_value))");
                try (ResultSet rs = s.executeQuery("SELECT CASE WHEN q.is_called THEN q.last_value + 1 ELSE q.last_value END, x.m FROM "
                        + seq[1] + " q, (" + max + ") x")) {
                    rs.next();
                    long highest = rs.getLong(2);
                    out.add(new Sequence(seq[0], seq[1], rs.getLong(1), rs.wasNull() ? null : highest));
                }
            }
        }
        return out;
    }
}
