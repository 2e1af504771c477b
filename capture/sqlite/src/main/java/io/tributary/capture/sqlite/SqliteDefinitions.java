package io.tributary.capture.sqlite;

import io.tributary.capture.sqlite.wal.CheckClauses;
import io.tributary.capture.sqlite.wal.ColumnDef;
import io.tributary.capture.sqlite.wal.TableDef;
import io.tributary.capture.sqlite.wal.WalFormatException;
import io.tributary.common.sql.Identifiers;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.TableDefinition;
import io.tributary.schemas.event.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SQLite table's {@link TableDefinition}, what its copy needs to take the application's writes: the rowid
 * (an INTEGER PRIMARY KEY, or {@value SqliteTables#ROWID} for a table without a primary key) as a generated
 * key; {@code CURRENT_TIMESTAMP}, {@code CURRENT_DATE} and {@code CURRENT_TIME} defaults in PostgreSQL terms
 * for the type the column means (UTC, as SQLite's are); the secondary indexes on plain columns
 * ({@code PRAGMA index_list}, {@code index_xinfo}; UNIQUE constraints included); foreign keys
 * ({@code PRAGMA foreign_key_list}); the CHECKs of the {@code CREATE TABLE} text ({@link CheckClauses}).
 *
 * <p>What has no direct PostgreSQL form (an expression or partial index, a CHECK using GLOB, a default
 * computed by a function) is left out and logged, never fatal. The result depends on the database's schema
 * alone, so snapshot and streamed events of one definition carry the same schema.
 */
final class SqliteDefinitions {
    private static final Logger log = LoggerFactory.getLogger(SqliteDefinitions.class);
    /** A default SQLite computes when a row is written: not a constant, so not evaluated once by the capture. */
    private static final Pattern VARYING = Pattern.compile("(?is).*(\\bCURRENT_(TIMESTAMP|DATE|TIME)\\b|\\bRANDOM(BLOB)?\\s*\\(|'now').*");
    private static final Map<String, Map<ColumnType, String>> TIME_DEFAULTS = Map.of(
            "CURRENT_TIMESTAMP", Map.of(ColumnType.TIMESTAMPTZ, "now()", ColumnType.TIMESTAMP, "(now() AT TIME ZONE 'UTC')",
                    ColumnType.TEXT, "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"),
            "CURRENT_DATE", Map.of(ColumnType.DATE, "((now() AT TIME ZONE 'UTC')::date)", ColumnType.TEXT, "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
            "CURRENT_TIME", Map.of(ColumnType.TIME, "((now() AT TIME ZONE 'UTC')::time(0))", ColumnType.TEXT, "to_char(now() AT TIME ZONE 'UTC', 'HH24:MI:SS')"));

    private SqliteDefinitions() {
    }

    /** True for a default expression whose value depends on when the row is written (the capture must not evaluate it). */
    static boolean varies(String expression) {
        return VARYING.matcher(expression).matches();
    }

    /** The definition of {@code shape}, a table defined by {@code def}, read through {@code sqlite}. */
    static TableDefinition read(TableSchema shape, TableDef def, Connection sqlite) throws SQLException {
        List<String> leftOut = new ArrayList<>();
        String table = def.name();
        List<String> generated = def.rowidAlias() != null ? List.of(def.rowidAlias())
                : shape.primaryKey().equals(List.of(SqliteTables.ROWID)) ? List.of(SqliteTables.ROWID) : List.of();
        Map<String, String> defaults = new LinkedHashMap<>();
        Set<String> converted = new HashSet<>();
        for (ColumnDef c : def.columns()) {
            Column col = shape.column(c.name()).orElse(null);
            if (col == null) {
                continue; // a generated column: not part of the shape
            }
            if (col.normalizedType() != null) {
                converted.add(c.name().toLowerCase(Locale.ROOT));
            }
            if (c.defaultExpression() != null && varies(c.defaultExpression())) {
                ColumnType meant = col.normalizedType() != null ? col.normalizedType() : col.type();
                String bare = c.defaultExpression().replaceAll("^[\\s(]+|[\\s)]+$", "").toUpperCase(Locale.ROOT);
                String pg = TIME_DEFAULTS.getOrDefault(bare, Map.of()).get(meant);
                if (pg != null) {
                    defaults.put(c.name(), pg);
                } else {
                    leftOut.add("DEFAULT " + c.defaultExpression() + " of column " + c.name() + " (no PostgreSQL form for a " + meant + " column)");
                }
            }
        }
        List<TableDefinition.Index> indexes = indexes(sqlite, shape, table, leftOut);
        List<TableDefinition.ForeignKey> keys = foreignKeys(sqlite, table, leftOut);
        List<TableDefinition.Check> checks;
        try {
            checks = CheckClauses.of(def, converted, leftOut);
        } catch (WalFormatException e) {
            throw new SQLException("cannot read the CHECK constraints of table " + table + ": " + e.getMessage(), e);
        }
        if (!leftOut.isEmpty()) {
            log.warn("not carried to the target table={} (no direct PostgreSQL form): {}", table, leftOut);
        }
        return new TableDefinition(generated, defaults, indexes, keys, checks);
    }

    private static List<TableDefinition.Index> indexes(Connection c, TableSchema shape, String table, List<String> leftOut) throws SQLException {
        List<TableDefinition.Index> out = new ArrayList<>();
        List<String[]> list = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?) ORDER BY name")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    list.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)});
                }
            }
        }
        for (String[] ix : list) {
            if (ix[2].equals("pk")) {
                continue;
            }
            if (ix[3].equals("1")) {
                leftOut.add("partial index " + ix[0]);
                continue;
            }
            List<String> cols = indexColumns(c, ix[0], shape, leftOut);
            if (cols != null) {
                String name = ix[2].equals("u") ? table + "_" + String.join("_", cols) + "_key" : ix[0];
                out.add(new TableDefinition.Index(Identifiers.fitted(name), cols, ix[1].equals("1")));
            }
        }
        return out;
    }

    /** The index's key columns, or null (noted in {@code leftOut}) when one is an expression or not a column of the shape. */
    private static List<String> indexColumns(Connection c, String index, TableSchema shape, List<String> leftOut) throws SQLException {
        List<String> cols = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT cid, name, coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno")) {
            ps.setString(1, index);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(2);
                    if (rs.getInt(1) < 0 || name == null || shape.column(name).isEmpty()) {
                        leftOut.add("index " + index + " (an expression or a column the target does not have)");
                        return null;
                    }
                    if (!"BINARY".equalsIgnoreCase(rs.getString(3))) {
                        leftOut.add("collation " + rs.getString(3) + " of column " + name + " in index " + index + " (indexed without it)");
                    }
                    cols.add(shape.column(name).orElseThrow().name());
                }
            }
        }
        return cols;
    }

    private static List<TableDefinition.ForeignKey> foreignKeys(Connection c, String table, List<String> leftOut) throws SQLException {
        Map<Integer, List<String[]>> byId = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byId.computeIfAbsent(rs.getInt(1), k -> new ArrayList<>())
                            .add(new String[] {rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6)});
                }
            }
        }
        List<TableDefinition.ForeignKey> out = new ArrayList<>();
        for (List<String[]> parts : byId.values()) {
            String parent = actualName(c, parts.get(0)[0]);
            List<String> from = parts.stream().map(p -> p[1]).toList();
            List<String> to = parts.get(0)[2] != null ? parts.stream().map(p -> p[2]).toList() : primaryKey(c, parent);
            if (to.size() != from.size()) {
                leftOut.add("foreign key (" + String.join(", ", from) + ") to " + parent + " (the referenced table has no matching key)");
                continue;
            }
            out.add(new TableDefinition.ForeignKey(Identifiers.fitted(table + "_" + String.join("_", from) + "_fkey"), from, parent, to,
                    parts.get(0)[4], parts.get(0)[3]));
        }
        return out;
    }

    private static String actualName(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : table;
            }
        }
    }

    private static List<String> primaryKey(Connection c, String table) throws SQLException {
        List<String> pk = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk")) {
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
