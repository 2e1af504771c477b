package io.tributary.sink.postgres;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
 * An existing target table as the database declares it, checked against the table an event carries before
 * anything is created or changed in it. Each column's declared type is the declaration: a source column of
 * that type or a lossless widening is written as it is, one {@link TargetConversions} can convert is written
 * through that conversion, and anything else is a difference. The primary key must be the source's (plus a
 * hypertable's time column), and a NOT NULL target column the source lacks must have a default. Every
 * difference is reported together ({@link TargetSchemaException}).
 */
final class TargetColumns {
    /** A column of the target: PostgreSQL's {@code format_type} spelling, NOT NULL, whether it has a default. */
    record TargetColumn(String name, String type, boolean notNull, boolean hasDefault) {
    }

    private static final Logger log = LoggerFactory.getLogger(TargetColumns.class);
    /** The conversions logged by this process: each is said once, at the first batch, not at every reconnect. */
    private static final Set<String> ANNOUNCED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final String table;
    private final Map<String, TargetColumn> columns;

    private TargetColumns(String table, Map<String, TargetColumn> columns) {
        this.table = table;
        this.columns = columns;
    }

    /** The table's columns in the current schema (none when it does not exist). */
    static TargetColumns read(Connection c, String table) throws SQLException {
        Map<String, TargetColumn> cols = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef "
                + "FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid "
                + "WHERE r.relname = ? AND r.relnamespace = current_schema()::regnamespace AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    cols.put(rs.getString(1), new TargetColumn(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getBoolean(4)));
                }
            }
        }
        return new TargetColumns(table, cols);
    }

    boolean exists() {
        return !columns.isEmpty();
    }

    boolean has(String column) {
        return columns.containsKey(column);
    }

    /** The declared type of {@code column} as format_type spells it, or null when the table has no such column. */
    String type(String column) {
        TargetColumn tc = columns.get(column);
        return tc == null ? null : tc.type();
    }

    /**
     * How each source column is written into this table: a {@link ColumnBinding} per converted column (the
     * others are written as they are); throws {@link TargetSchemaException} listing every difference.
     */
    Map<String, ColumnBinding> plan(Connection c, TableSchema t, PipelineConfig.TableOptions options, List<String> key, TargetTypes types)
            throws SQLException {
        List<String> out = new ArrayList<>();
        Map<String, ColumnBinding> converted = new HashMap<>();
        Set<String> source = new HashSet<>();
        for (Column col : t.columns()) {
            source.add(col.name());
            TargetColumn target = columns.get(col.name());
            if (target == null) {
                continue;
            }
            TargetConversions.Decision d = TargetConversions.decide(table, col, types.sqlType(col), target.type(), options.convert(col.name()));
            if (d.refusal() != null) {
                out.add(d.refusal());
            } else if (d.binding() != null) {
                converted.put(col.name(), d.binding());
                if (ANNOUNCED.add(table + "\u0000" + col.name() + "\u0000" + target.type() + "\u0000" + d.check())) {
                    log.info("converting into target column table={} column={} from={} to={} check=\"{}\"", table, col.name(),
                            TargetConversions.canonical(types.sqlType(col)), target.type(), d.check());
                }
            }
        }
        for (TargetColumn tc : columns.values()) {
            if (!source.contains(tc.name()) && tc.notNull() && !tc.hasDefault() && !tc.name().startsWith(Bookkeeping.PREFIX)) {
                out.add("column " + tc.name() + " is NOT NULL without a default in the target and the source has no such column; "
                        + "give it a default or make it nullable");
            }
        }
        List<String> targetPk = primaryKey(c);
        if (!new HashSet<>(targetPk).equals(new HashSet<>(key))) {
            out.add("primary key is (" + String.join(", ", targetPk) + ") in the target but must be (" + String.join(", ", key)
                    + "): the sink applies rows by the source's key (plus the time column of a hypertable)");
        }
        if (!out.isEmpty()) {
            throw new TargetSchemaException(table, out);
        }
        return converted;
    }

    private List<String> primaryKey(Connection c) throws SQLException {
        List<String> pk = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid "
                + "JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = ANY (i.indkey) "
                + "WHERE r.relname = ? AND r.relnamespace = current_schema()::regnamespace AND i.indisprimary")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pk.add(rs.getString(1));
                }
            }
        }
        return pk;
    }
}
