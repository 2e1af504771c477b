package io.tributary.ops.reconcile;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * One side of a table's comparison (the source or the target), read in key ranges with short queries:
 * counts, checksums of a range ({@link Digest}, computed here while the rows stream by: SQLite has no hash
 * function in SQL, and one function on both sides keeps the two checksums comparable), the key at an offset
 * (to split a range), and the rows of a small range or of given keys.
 *
 * <p>Both sides order keys the same way: numbers by value, text by bytes (SQLite's BINARY, PostgreSQL's
 * {@code COLLATE "C"} when the two databases' collations differ), so that a range selects the same keys on
 * each side. Each query is its own short read transaction: nothing is held open across a table, so a
 * comparison never pins a SQLite WAL or holds back PostgreSQL's vacuum for its whole length, and it sees
 * rows as they are when each range is read (differences from rows still in flight are settled by
 * re-checking them, see {@link TableReconciler}). The caller owns the connection.
 */
abstract class Side {
    private static final int FETCH = 1000;
    final TablePlan plan;
    final Connection connection;
    private final String[] digestForm;

    Side(TablePlan plan, Connection connection) {
        this.plan = plan;
        this.connection = connection;
        this.digestForm = new String[plan.columns().size()];
    }

    /** The table, quoted (and schema-qualified where needed). */
    abstract String from();

    /** The select expression of a column, read back by {@link #canonical}. */
    abstract String valueExpr(TablePlan.Col col);

    /** The expression keys are ordered and compared by. */
    abstract String orderExpr(TablePlan.Col col);

    /** The placeholder of a key value in a predicate. */
    abstract String param(TablePlan.Col col);

    /** Binds key column {@code i} of {@code key} (its canonical text, or on a SQLite side its stored value when it has one). */
    abstract void bind(PreparedStatement ps, int index, TablePlan.Col col, Range.Bound key, int i) throws SQLException;

    /** The value at {@code index} as this side stores it, for a bound this side binds ({@code null} where the canonical text serves). */
    abstract Object stored(ResultSet rs, int index) throws SQLException;

    /** The value at {@code index} in the target's terms ({@link Canonical}). */
    abstract String canonical(ResultSet rs, int index, TablePlan.Col col) throws SQLException;

    /** Conditions every read of this side carries (rows flagged deleted, the time window); may be empty. */
    abstract List<String> scope();

    /** Ends the read transaction of the query just run (PostgreSQL), so that none stays open between ranges. */
    abstract void endRead() throws SQLException;

    long count(Range r) throws SQLException {
        Query q = query("SELECT count(*) FROM " + from(), r, null);
        try (PreparedStatement ps = q.prepare(); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } finally {
            endRead();
        }
    }

    /** The checksum of every row in {@code r}. */
    Digest digest(Range r) throws SQLException {
        Digest.Builder d = new Digest.Builder();
        scan(r, row -> d.add(hash(row.values())));
        return d.build();
    }

    /** Something done with each row of a scan, as it streams by. */
    interface RowSink {
        void accept(Row row) throws SQLException;
    }

    /** Streams every row of {@code r} (in no particular order) to {@code sink}. */
    void scan(Range r, RowSink sink) throws SQLException {
        Query q = query(selectValues(), r, null);
        try (PreparedStatement ps = q.prepare()) {
            ps.setFetchSize(FETCH);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sink.accept(read(rs));
                }
            }
        } finally {
            endRead();
        }
    }

    /** The next at most {@code limit} rows above {@code lo} in key order: their checksum, count and last key. */
    Page page(Range.Bound lo, int limit) throws SQLException {
        Digest.Builder d = new Digest.Builder();
        Range.Bound last = null;
        Query q = query(selectValues(), new Range(lo, null), orderBy(false) + " LIMIT " + limit);
        try (PreparedStatement ps = q.prepare()) {
            ps.setFetchSize(FETCH);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Row row = read(rs);
                    d.add(hash(row.values()));
                    last = row.bound();
                }
            }
        } finally {
            endRead();
        }
        Digest digest = d.build();
        return new Page(digest, last, digest.rows() == limit);
    }

    /** What {@link #page} read. {@code full}: it read {@code limit} rows, so more may follow. */
    record Page(Digest digest, Range.Bound last, boolean full) {
    }

    /** The key {@code offset} rows into {@code r} in key order (descending from its top when {@code desc}), or null. */
    Range.Bound keyAt(Range r, long offset, boolean desc) throws SQLException {
        StringBuilder sel = new StringBuilder("SELECT ");
        for (int i = 0; i < plan.key().length; i++) {
            sel.append(i == 0 ? "" : ", ").append(valueExpr(plan.columns().get(plan.key()[i]))).append(" AS k").append(i);
        }
        Query q = query(sel + " FROM " + from(), r, orderBy(desc) + " LIMIT 1 OFFSET " + offset);
        try (PreparedStatement ps = q.prepare(); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            String[] key = new String[plan.key().length];
            Object[] stored = new Object[key.length];
            for (int i = 0; i < key.length; i++) {
                key[i] = canonical(rs, i + 1, plan.columns().get(plan.key()[i]));
                stored[i] = stored(rs, i + 1);
            }
            return new Range.Bound(key, stored);
        } finally {
            endRead();
        }
    }

    /** The rows of {@code r}, at most {@code limit + 1} (more than {@code limit} tells the caller the range is not small). */
    List<Row> rows(Range r, int limit) throws SQLException {
        List<Row> out = new ArrayList<>();
        Query q = query(selectValues(), r, " LIMIT " + (limit + 1));
        try (PreparedStatement ps = q.prepare(); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(read(rs));
            }
        } finally {
            endRead();
        }
        return out;
    }

    /** The rows with these keys (those that exist). */
    List<Row> rowsByKeys(List<String[]> keys) throws SQLException {
        StringBuilder in = new StringBuilder(keyTuple(true)).append(" IN (VALUES ");
        for (int k = 0; k < keys.size(); k++) {
            in.append(k == 0 ? "(" : ", (").append(keyParams()).append(')');
        }
        in.append(')');
        List<String> where = new ArrayList<>(scope());
        where.add(in.toString());
        List<Row> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(selectValues() + " WHERE " + String.join(" AND ", where))) {
            int p = 1;
            for (String[] key : keys) {
                Range.Bound b = new Range.Bound(key, null);
                for (int i = 0; i < key.length; i++) {
                    bind(ps, p++, plan.columns().get(plan.key()[i]), b, i);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs));
                }
            }
        } finally {
            endRead();
        }
        return out;
    }

    /**
     * The compared columns, each under an alias of its own: an output column named like a table column (as
     * {@code "id"::text} is) would be what ORDER BY "id" sorts by, text order instead of the key's.
     */
    private String selectValues() {
        StringBuilder sb = new StringBuilder("SELECT ");
        for (int i = 0; i < plan.columns().size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(valueExpr(plan.columns().get(i))).append(" AS v").append(i);
        }
        return sb.append(" FROM ").append(from()).toString();
    }

    private Row read(ResultSet rs) throws SQLException {
        List<TablePlan.Col> cols = plan.columns();
        String[] values = new String[cols.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = canonical(rs, i + 1, cols.get(i));
        }
        String[] key = new String[plan.key().length];
        Object[] stored = new Object[key.length];
        for (int i = 0; i < key.length; i++) {
            key[i] = values[plan.key()[i]];
            stored[i] = stored(rs, plan.key()[i] + 1);
        }
        return new Row(key, values, stored);
    }

    /** The row's hash as the checksum sees it: columns with a tolerance rounded ({@link Canonical#rounded}). */
    long hash(String[] values) {
        String[] form = values;
        for (int i = 0; i < values.length; i++) {
            Double tolerance = plan.columns().get(i).tolerance();
            if (tolerance != null) {
                if (form == values) {
                    System.arraycopy(values, 0, digestForm, 0, values.length);
                    form = digestForm;
                }
                form[i] = Canonical.rounded(values[i], tolerance);
            }
        }
        return Digest.rowHash(form);
    }

    private String orderBy(boolean desc) {
        StringBuilder sb = new StringBuilder(" ORDER BY ");
        for (int i = 0; i < plan.key().length; i++) {
            sb.append(i == 0 ? "" : ", ").append(orderExpr(plan.columns().get(plan.key()[i]))).append(desc ? " DESC" : "");
        }
        return sb.toString();
    }

    private String keyTuple(boolean forEquality) {
        StringBuilder sb = new StringBuilder(plan.key().length > 1 ? "(" : "");
        for (int i = 0; i < plan.key().length; i++) {
            TablePlan.Col col = plan.columns().get(plan.key()[i]);
            sb.append(i == 0 ? "" : ", ").append(forEquality ? valueExprForEquality(col) : orderExpr(col));
        }
        return sb.append(plan.key().length > 1 ? ")" : "").toString();
    }

    /** The column as compared for equality with a key value (no collation needed: equality is by bytes). */
    abstract String valueExprForEquality(TablePlan.Col col);

    private String keyParams() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < plan.key().length; i++) {
            sb.append(i == 0 ? "" : ", ").append(param(plan.columns().get(plan.key()[i])));
        }
        return sb.toString();
    }

    private Query query(String head, Range r, String tail) {
        List<String> where = new ArrayList<>(scope());
        List<Range.Bound> params = new ArrayList<>();
        String tuple = keyTuple(false);
        String params1 = plan.key().length > 1 ? "(" + keyParams() + ")" : keyParams();
        if (r.lo() != null) {
            where.add(tuple + " > " + params1);
            params.add(r.lo());
        }
        if (r.hi() != null) {
            where.add(tuple + " <= " + params1);
            params.add(r.hi());
        }
        String sql = head + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where)) + (tail == null ? "" : tail);
        return new Query(sql, params);
    }

    /** A statement and the key values its placeholders take, in order. */
    private final class Query {
        private final String sql;
        private final List<Range.Bound> keys;

        Query(String sql, List<Range.Bound> keys) {
            this.sql = sql;
            this.keys = keys;
        }

        PreparedStatement prepare() throws SQLException {
            PreparedStatement ps = connection.prepareStatement(sql);
            int p = 1;
            for (Range.Bound key : keys) {
                for (int i = 0; i < key.key().length; i++) {
                    bind(ps, p++, plan.columns().get(plan.key()[i]), key, i);
                }
            }
            return ps;
        }
    }
}
