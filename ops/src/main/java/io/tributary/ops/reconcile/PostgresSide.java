package io.tributary.ops.reconcile;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A PostgreSQL side: the target, or a PostgreSQL source. Values are read as the server prints them
 * ({@code ::text}) in a session with UTC, ISO dates and hex bytea, so that they do not depend on the
 * driver's transfer format or the JVM's time zone.
 */
final class PostgresSide extends Side {
    private final boolean target;
    private final List<String> scope = new ArrayList<>();

    /**
     * @param target whether this is the target (its bookkeeping applies: rows flagged deleted are left out), or
     *               a PostgreSQL source
     */
    PostgresSide(TablePlan plan, Connection connection, boolean target, Instant since, Instant until) throws SQLException {
        super(plan, connection);
        this.target = target;
        try (Statement s = connection.createStatement()) {
            s.execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET bytea_output = 'hex'; SET extra_float_digits = 1");
        }
        connection.setAutoCommit(false); // a cursor streams rows only inside a transaction
        if (target && plan.softDelete()) {
            scope.add(TablePlan.quote(io.tributary.common.sql.Bookkeeping.DELETED) + " IS NOT TRUE");
        }
        if (plan.timeColumn() != null) {
            TablePlan.Col time = plan.timeCol();
            String cast = target ? time.targetCast() : time.sourceCast();
            if (since != null) {
                scope.add(column(time) + " >= CAST('" + since + "' AS " + cast + ")");
            }
            if (until != null) {
                scope.add(column(time) + " < CAST('" + until + "' AS " + cast + ")");
            }
        }
    }

    @Override
    String from() {
        return target ? TablePlan.quote(plan.targetTable()) : TablePlan.quote(plan.table().schema()) + "." + TablePlan.quote(plan.table().table());
    }

    /** The column as this side names it: the target's name, or the source's (they differ where the mapping renames it). */
    private String column(TablePlan.Col col) {
        return TablePlan.quote(target ? col.name() : col.source());
    }

    @Override
    String valueExpr(TablePlan.Col col) {
        return column(col) + "::text";
    }

    @Override
    String valueExprForEquality(TablePlan.Col col) {
        return column(col);
    }

    @Override
    String orderExpr(TablePlan.Col col) {
        return column(col) + (plan.textKeysByBytes() && col.type().collated() ? " COLLATE \"C\"" : "");
    }

    @Override
    String param(TablePlan.Col col) {
        return "CAST(? AS " + (target ? col.targetCast() : col.sourceCast()) + ")";
    }

    @Override
    void bind(PreparedStatement ps, int index, TablePlan.Col col, Range.Bound key, int i) throws SQLException {
        ps.setString(index, Canonical.literal(key.key()[i], col.type()));
    }

    @Override
    Object stored(ResultSet rs, int index) {
        return null; // the canonical text is this side's own value, printed by the server
    }

    @Override
    String canonical(ResultSet rs, int index, TablePlan.Col col) throws SQLException {
        return Canonical.fromPostgres(rs.getString(index), col.type(), target ? "" : col.sourceType());
    }

    @Override
    List<String> scope() {
        return scope;
    }

    @Override
    void endRead() throws SQLException {
        connection.commit();
    }
}
