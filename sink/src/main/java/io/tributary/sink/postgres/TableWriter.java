package io.tributary.sink.postgres;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Identifiers;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.TableSchema;
import io.tributary.sink.timescale.Hypertables;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Set-based, guarded writes of one table version: each statement sends whole columns as arrays and reads
 * them back with {@code unnest}, so a batch of any size is one round trip per statement.
 *
 * <p>The guard: an upsert changes a row only when its position is newer than the row's
 * ({@value Bookkeeping#POSITION}) and newer than any delete remembered for the key in the table's
 * remembered-deletes side table ({@link Bookkeeping#deletesTable}); a delete is remembered there (guarded
 * the same way) and then removes the row (or, with {@code delete: soft}, flags it) only when newer. With {@code conflict: last-write-wins} the
 * named timestamp column decides first and the position breaks ties. So any redelivery, duplication or
 * replay ends in the state of applying each event once in order.
 *
 * <p>Columns named as unchanged (PostgreSQL's unchanged TOAST values) are left as they are in the target.
 */
final class TableWriter {
    private final TableSchema schema;
    private final String table;
    /** The quoted name of the table's remembered deletes. */
    private final String deletes;
    private final PipelineConfig.TableOptions options;
    /** The service writing: its generation floor (see {@link GenerationFloor}). */
    private final String service;
    /** The target's unique key: the primary key, plus the time column on a hypertable. */
    private final List<String> conflictKey;
    /** Where a hypertable's rows are in time; null for a plain table. */
    private final HypertableRows hypertable;
    /** The target column types: the columns cast to a type the source declared (see {@link TargetTypes}). */
    private final TargetTypes types;
    /** The columns an existing target declares with another type, written through their conversion. */
    private final Map<String, ColumnBinding> converted;

    TableWriter(TableSchema schema, String service, PipelineConfig.TableOptions options, HypertableRows hypertable, TargetTypes types,
                Map<String, ColumnBinding> converted) {
        this.schema = schema;
        this.types = types;
        this.converted = converted;
        this.service = service;
        this.options = options;
        this.hypertable = hypertable;
        this.conflictKey = Hypertables.conflictColumns(schema.primaryKey(), hypertable != null ? options.timescale() : null);
        this.table = Identifiers.quote(schema.table().table());
        this.deletes = Identifiers.quote(Bookkeeping.deletesTable(schema.table().table()));
    }

    /** The target table's name. */
    String table() {
        return schema.table().table();
    }

    /** The hypertable's placement of rows in time, or null for a plain table. */
    HypertableRows hypertable() {
        return hypertable;
    }

    /**
     * Inserts or updates rows; {@code unchanged} columns keep the target's values (rows must then exist).
     * On a hypertable, {@code prior} says where older versions of the rows may be (see {@link HypertableRows}).
     */
    int upsert(Connection c, List<SinkEvent> rows, Set<String> unchanged, HypertableRows.Prior prior) throws SQLException {
        if (rows.isEmpty()) {
            return 0;
        }
        List<Column> cols = schema.columns();
        String s = "s.";
        String pos = "ARRAY[s._p0, s._p1, s._p2, s._p3]";
        String notDeleted = "NOT EXISTS (SELECT 1 FROM " + deletes + " d WHERE " + keyMatch("d.", s) + " AND d." + Bookkeeping.POSITION + " >= " + pos + ")"
                + " AND " + current("s.");
        String set = cols.stream().filter(col -> !schema.primaryKey().contains(col.name()) && !unchanged.contains(col.name()))
                .map(col -> Identifiers.quote(col.name()) + " = " + (unchanged.isEmpty() ? "EXCLUDED." : s) + Identifiers.quote(col.name()))
                .collect(Collectors.joining(", "));
        String soft = options.softDelete() ? ", " + Bookkeeping.DELETED + " = false" : "";
        String sql;
        if (unchanged.isEmpty()) {
            sql = "INSERT INTO " + table + " AS t (" + names(cols, "") + ", " + Bookkeeping.POSITION + ") SELECT "
                    + names(cols, s) + ", " + pos + " FROM " + unnest(cols) + " WHERE " + notDeleted
                    + " ON CONFLICT (" + conflictKey.stream().map(Identifiers::quote).collect(Collectors.joining(", ")) + ") DO UPDATE SET " + (set.isEmpty() ? "" : set + ", ")
                    + Bookkeeping.POSITION + " = EXCLUDED." + Bookkeeping.POSITION + soft + " WHERE " + guard("EXCLUDED.");
        } else {
            // no insert: a row whose unchanged values the target does not have cannot be completed here
            sql = "UPDATE " + table + " AS t SET " + (set.isEmpty() ? "" : set + ", ") + Bookkeeping.POSITION + " = " + pos + soft
                    + " FROM " + unnest(cols) + " WHERE " + keyMatch("t.", s) + " AND " + notDeleted + " AND " + guard(s).replace(s + Bookkeeping.POSITION, pos);
        }
        String at = null;
        if (hypertable != null) {
            rows.forEach(e -> hypertable.note(hypertable.micros(e.after())));
            if (unchanged.isEmpty()) {
                hypertable.removeMoved(c, rows, prior);
            } else if (rows.size() == 1 && (at = hypertable.unmovedAt(rows.get(0), prior)) != null) {
                sql += " AND t." + Identifiers.quote(options.timescale().timeColumn()) + " = ?::" + PgTypes.sqlType(hypertable.timeColumn());
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = bindColumns(c, ps, 1, cols, rows, false);
            bindPositions(c, ps, i, rows);
            if (at != null) {
                ps.setString(i + 4, at);
            }
            return ps.executeUpdate();
        }
    }

    /**
     * Remembers the deletes in the side table and removes (or flags) the rows, all guarded by position; on a
     * hypertable at the times {@code prior} says the rows can be at.
     */
    void delete(Connection c, List<SinkEvent> all, HypertableRows.Prior prior) throws SQLException {
        List<SinkEvent> rows = new java.util.ArrayList<>();
        for (SinkEvent e : all) {
            if (keyFits(e)) { // a key the target's converted key column cannot hold names no row of the table: nothing to delete
                rows.add(e);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        List<Column> keys = keyColumns();
        String s = "s.";
        String pos = "ARRAY[s._p0, s._p1, s._p2, s._p3]";
        String remember = "INSERT INTO " + deletes + " AS d (" + names(keys, "") + ", " + Bookkeeping.POSITION + ") SELECT "
                + names(keys, s) + ", " + pos + " FROM " + unnest(keys) + " WHERE " + current(s) + " ON CONFLICT (" + names(keys, "") + ") DO UPDATE SET "
                + Bookkeeping.POSITION + " = EXCLUDED." + Bookkeeping.POSITION + " WHERE d." + Bookkeeping.POSITION + " < EXCLUDED." + Bookkeeping.POSITION;
        String apply = options.softDelete()
                ? "UPDATE " + table + " AS t SET " + Bookkeeping.DELETED + " = true, " + Bookkeeping.POSITION + " = " + pos
                + " FROM " + unnest(keys) + " WHERE " + keyMatch("t.", s) + " AND t." + Bookkeeping.POSITION + " < " + pos
                : "DELETE FROM " + table + " AS t USING " + unnest(keys) + " WHERE " + keyMatch("t.", s) + " AND t." + Bookkeeping.POSITION + " < " + pos;
        for (String sql : hypertable == null ? List.of(remember, apply) : List.of(remember)) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = bindColumns(c, ps, 1, keys, rows, true);
                bindPositions(c, ps, i, rows);
                ps.executeUpdate();
            }
        }
        if (hypertable != null) {
            hypertable.delete(c, rows, prior, options.softDelete() ? Bookkeeping.DELETED + " = true, " + Bookkeeping.POSITION + " = " + pos : null);
        }
    }

    /** True when a delete at least as new as {@code e} is remembered for its key: {@code e} is already superseded. */
    boolean deletedSince(Connection c, SinkEvent e) throws SQLException {
        List<Column> keys = keyColumns();
        String sql = "SELECT 1 FROM " + deletes + " AS t, " + unnest(keys) + " WHERE " + keyMatch("t.", "s.")
                + " AND t." + Bookkeeping.POSITION + " >= ARRAY[s._p0, s._p1, s._p2, s._p3]";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bindPositions(c, ps, bindColumns(c, ps, 1, keys, List.of(e), true), List.of(e));
            try (var rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** True when the target holds a row with this event's key. */
    boolean exists(Connection c, SinkEvent e) throws SQLException {
        List<Column> keys = keyColumns();
        String sql = "SELECT 1 FROM " + table + " AS t, " + unnest(keys, false) + " WHERE " + keyMatch("t.", "s.");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bindColumns(c, ps, 1, keys, List.of(e), true);
            try (var rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The event's generation is not older than the table's floor (see {@link GenerationFloor}). */
    private String current(String s) {
        return s + "_p0 >= COALESCE((SELECT generation FROM " + Bookkeeping.FLOOR + " WHERE service = '" + service.replace("'", "''")
                + "' AND table_name = '" + schema.table().table().replace("'", "''") + "'), -9223372036854775808)";
    }

    private String guard(String incoming) {
        String byPosition = "t." + Bookkeeping.POSITION + " < " + incoming + Bookkeeping.POSITION;
        String ts = options.lastWriteWinsColumn();
        if (ts == null) {
            return byPosition;
        }
        String t = "t." + Identifiers.quote(ts);
        String x = incoming + Identifiers.quote(ts);
        // a row flagged deleted by an older delete is not there: the incoming row comes back whatever its time
        String flagged = options.softDelete() ? "t." + Bookkeeping.DELETED + " AND " + byPosition + " OR " : "";
        return "(" + flagged + t + " IS NULL AND " + x + " IS NOT NULL OR " + x + " > " + t + " OR (" + x + " IS NOT DISTINCT FROM " + t + " AND " + byPosition + "))";
    }

    private List<Column> keyColumns() {
        return schema.primaryKey().stream().map(k -> schema.column(k).orElseThrow()).toList();
    }

    private String keyMatch(String left, String right) {
        return schema.primaryKey().stream().map(k -> left + Identifiers.quote(k) + " = " + right + Identifiers.quote(k)).collect(Collectors.joining(" AND "));
    }

    private static String names(List<Column> cols, String prefix) {
        return cols.stream().map(c -> prefix + Identifiers.quote(c.name())).collect(Collectors.joining(", "));
    }

    private String unnest(List<Column> cols) {
        return unnest(cols, true);
    }

    /**
     * {@code unnest(?::type[], ...[, positions]) AS s(col, ...[, _p0.._p3])}; where a column is cast to a type the
     * source declared, a select of the unnested rows that casts it ({@code u.col::mood AS col}): an array column
     * travels as one text per row, which an array-typed parameter could not carry. A converted column is bound
     * through its conversion ({@link ColumnBinding}).
     */
    private String unnest(List<Column> cols, boolean withPositions) {
        String params = cols.stream().map(c -> castAfter(c) ? "?::" + arrayType(c) + "[]" : binding(c).parameter())
                .collect(Collectors.joining(", "));
        String alias = cols.stream().map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "));
        String call = withPositions ? "unnest(" + params + ", ?::int8[], ?::int8[], ?::int8[], ?::int8[])" : "unnest(" + params + ")";
        String names = "(" + alias + (withPositions ? ", _p0, _p1, _p2, _p3)" : ")");
        if (cols.stream().noneMatch(this::castAfter)) {
            return call + " AS s" + names;
        }
        String select = cols.stream().map(c -> "u." + Identifiers.quote(c.name()) + (castAfter(c) ? "::" + types.sqlType(c) + " AS " + Identifiers.quote(c.name()) : ""))
                .collect(Collectors.joining(", "));
        return "(SELECT " + select + (withPositions ? ", u._p0, u._p1, u._p2, u._p3" : "") + " FROM " + call + " AS u" + names + ") AS s";
    }

    /**
     * Binds each column's values as one array. Row by row, all columns at once: each row's map is read while it is
     * in the CPU's cache (column by column, the maps of a large batch were fetched from memory again per column).
     */
    private int bindColumns(Connection c, PreparedStatement ps, int first, List<Column> cols, List<SinkEvent> rows, boolean fromKey)
            throws SQLException {
        int n = cols.size();
        ColumnBinding[] bindings = new ColumnBinding[n];
        String[] names = new String[n];
        Object[][] values = new Object[n][];
        for (int k = 0; k < n; k++) {
            bindings[k] = binding(cols.get(k));
            names[k] = cols.get(k).name();
            values[k] = bindings[k].newArray(rows.size());
        }
        for (int r = 0; r < rows.size(); r++) {
            Map<String, Object> img = fromKey ? rows.get(r).event().keyImage() : rows.get(r).after();
            for (int k = 0; k < n; k++) {
                values[k][r] = bindings[k].element(img.get(names[k]));
            }
        }
        for (int k = 0; k < n; k++) {
            ps.setArray(first + k, c.createArrayOf(bindings[k].arrayType(), values[k]));
        }
        return first + n;
    }

    private boolean keyFits(SinkEvent e) {
        for (Column col : keyColumns()) {
            try {
                binding(col).element(e.event().keyImage().get(col.name()));
            } catch (ValueDoesNotFit notInTarget) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code c} is cast to the source's declared type after unnesting (and not converted into another). */
    private boolean castAfter(Column c) {
        return types.castsTo(c) && !converted.containsKey(c.name());
    }

    private ColumnBinding binding(Column c) {
        ColumnBinding b = converted.get(c.name());
        return b != null ? b : ColumnBinding.of(c);
    }

    private static void bindPositions(Connection c, PreparedStatement ps, int first, List<SinkEvent> rows) throws SQLException {
        for (int p = 0; p < 4; p++) {
            Long[] part = new Long[rows.size()];
            for (int r = 0; r < rows.size(); r++) {
                part[r] = rows.get(r).position().parts()[p];
            }
            ps.setArray(first + p, c.createArrayOf("int8", part));
        }
    }

    /** A typed Java array for pgjdbc's createArrayOf (it refuses byte[] inside Object[]). */
    static Object[] newArray(Column c, int n) {
        return switch (c.type()) {
            case BOOLEAN -> new Boolean[n];
            case INT16 -> new Short[n];
            case INT32 -> new Integer[n];
            case INT64 -> new Long[n];
            case FLOAT32 -> new Float[n];
            case FLOAT64 -> new Double[n];
            case BYTES -> new byte[n][];
            default -> new String[n];
        };
    }

    /** The array element type a column travels as; text for the types cast on the server. */
    static String arrayType(Column c) {
        return switch (c.type()) {
            case BOOLEAN -> "bool";
            case INT16 -> "int2";
            case INT32 -> "int4";
            case INT64 -> "int8";
            case FLOAT32 -> "float4";
            case FLOAT64 -> "float8";
            case BYTES -> "bytea";
            default -> "text";
        };
    }

    /** A value as its array element: exact text for decimals, JSON, UUIDs and all date/time types. */
    static Object element(Column c, Object v) {
        if (v == null) {
            return null;
        }
        return switch (c.type()) {
            case INT16 -> ((Number) v).shortValue();
            case INT32 -> ((Number) v).intValue();
            case INT64 -> ((Number) v).longValue();
            case FLOAT32 -> ((Number) v).floatValue();
            case FLOAT64 -> ((Number) v).doubleValue();
            case BYTES -> bytes((ByteBuffer) v);
            case DATE -> LocalDate.ofEpochDay(((Number) v).longValue()).toString();
            case TIME -> LocalTime.ofNanoOfDay(((Number) v).longValue() * 1000).toString();
            case TIMESTAMP -> MicrosText.local((Long) v);
            case TIMESTAMPTZ -> MicrosText.instant((Long) v);
            case BOOLEAN -> (Boolean) v;
            default -> v.toString();
        };
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
