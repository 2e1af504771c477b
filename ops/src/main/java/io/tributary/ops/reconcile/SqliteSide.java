package io.tributary.ops.reconcile;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A SQLite source, opened read-only. Values are read as SQLite stores them and put in the target's terms by
 * {@link Canonical#fromSqlite}. A table without a primary key is read by its {@code rowid}. Text keys are
 * ordered {@code COLLATE BINARY} (by bytes) whatever the column declares.
 *
 * <p>Key ranges are bounded by keys read from this side and bound as stored, so a key stored as text meaning
 * a time (or 0/1 meaning a boolean) is ranged by the stored values' order, which matches the meant order when
 * the application writes one format (ISO text, as SQLite's own functions and most libraries write it). When it
 * does not, the two sides select different keys for a range and the table fails with that reason.
 *
 * <p>The time window compares {@code julianday()} of the stored text, which SQLite computes to the
 * millisecond: a row within a millisecond of a window bound may fall on the other side of it than in
 * PostgreSQL.
 */
final class SqliteSide extends Side {
    private final List<String> scope = new ArrayList<>();

    SqliteSide(TablePlan plan, Connection connection, Instant since, Instant until) {
        super(plan, connection);
        if (plan.timeColumn() != null) {
            String t = "julianday(" + TablePlan.quote(plan.timeCol().source()) + ")";
            if (since != null) {
                scope.add(t + " >= julianday('" + since + "')");
            }
            if (until != null) {
                scope.add(t + " < julianday('" + until + "')");
            }
        }
    }

    @Override
    String from() {
        return TablePlan.quote(plan.table().table());
    }

    @Override
    String valueExpr(TablePlan.Col col) {
        return col.source().equals(TablePlan.ROWID) ? "rowid" : TablePlan.quote(col.source());
    }

    @Override
    String valueExprForEquality(TablePlan.Col col) {
        return valueExpr(col);
    }

    @Override
    String orderExpr(TablePlan.Col col) {
        return valueExpr(col) + (col.type().collated() ? " COLLATE BINARY" : "");
    }

    @Override
    String param(TablePlan.Col col) {
        return "?";
    }

    @Override
    void bind(PreparedStatement ps, int index, TablePlan.Col col, Range.Bound key, int i) throws SQLException {
        if (key.stored() != null) {
            ps.setObject(index, key.stored()[i]); // as stored: compared by the column's own order and index
            return;
        }
        String canonical = key.key()[i];
        switch (col.type()) {
            case INT -> ps.setLong(index, Long.parseLong(canonical));
            case FLOAT4, FLOAT8 -> ps.setDouble(index, Double.parseDouble(canonical));
            case BYTEA -> ps.setBytes(index, HexFormat.of().parseHex(canonical));
            default -> ps.setString(index, canonical); // NUMERIC affinity converts text that looks like a number
        }
    }

    @Override
    Object stored(ResultSet rs, int index) throws SQLException {
        return rs.getObject(index);
    }

    @Override
    String canonical(ResultSet rs, int index, TablePlan.Col col) throws SQLException {
        return Canonical.fromSqlite(rs.getObject(index), col.type());
    }

    @Override
    List<String> scope() {
        return scope;
    }

    @Override
    void endRead() {
        // autocommit: each statement was its own read transaction
    }
}
