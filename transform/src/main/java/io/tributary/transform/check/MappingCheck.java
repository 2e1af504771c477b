package io.tributary.transform.check;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.TableMapping;
import io.tributary.common.sql.Identifiers;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The transform's start-up check of each mapped table ({@link TableMapping}) against its source, which the
 * pipeline file alone cannot prove: the renamed, left-out and key columns exist; a declared key is unique and
 * non-null over the source's rows (a problem names the table, the columns and one duplicate, or one row with a
 * null, by its source key); and a re-keyed PostgreSQL table has {@code REPLICA IDENTITY FULL}, without which
 * PostgreSQL sends neither an update's old values nor a delete's values outside the primary key, so the old
 * target key could not be found. Problems go to the {@link Preflight}, so they come with every other (exit 2).
 *
 * <p>Each check reads the source once (a {@code GROUP BY} over the key's columns: a full scan of the table). It
 * proves the rows present at start: a key the source does not constrain to be unique may stop being so later.
 */
public final class MappingCheck {
    private final Preflight preflight;

    public MappingCheck(Preflight preflight) {
        this.preflight = preflight;
    }

    /** Checks every mapped table of {@code services} against its source. */
    public void check(PipelineConfig config, List<PipelineConfig.Service> services) {
        for (PipelineConfig.Service service : services) {
            for (TableRef t : service.tables()) {
                service.mapping(t).ifPresent(m -> check(config.source(t.source()).orElseThrow(),
                        "services[" + service.name() + "].options." + t.table(), m));
            }
        }
    }

    private void check(PipelineConfig.Source source, String at, TableMapping m) {
        try (Connection c = open(source)) {
            SourceTable table = source.isSqlite() ? SourceTable.sqlite(c, m.source()) : SourceTable.postgres(c, m.source());
            if (table.columns().isEmpty()) {
                preflight.problem(at, "the source has no table " + m.source().qualifiedName(), "check the table's name under sources:");
                return;
            }
            List<String> problems = m.problemsWith(table.columns(), table.key());
            problems.forEach(p -> preflight.problem(at, p, "fix the mapping (docs/pipeline-file.md) or the source table"));
            if (!problems.isEmpty() || m.keepsSourceKey()) {
                return;
            }
            unique(c, at, m, table);
            if (!source.isSqlite() && !table.fullReplicaIdentity()) {
                preflight.problem(at, m.source().qualifiedName() + " is re-keyed on " + m.key() + " but its REPLICA IDENTITY is not FULL: "
                        + "PostgreSQL would send neither an update's old key values nor a deleted row's",
                        "run ALTER TABLE " + m.source().qualifiedName() + " REPLICA IDENTITY FULL on the source");
            }
        } catch (SQLException e) {
            preflight.problem(at, "cannot check the mapping of " + m.source() + " against its source: " + Preflight.rootMessage(e),
                    "the transform reads the source at start to check a mapped table; check the source's settings and that it answers");
        }
    }

    /** The declared key's source columns hold no null and no value twice. */
    private void unique(Connection c, String at, TableMapping m, SourceTable table) throws SQLException {
        List<String> cols = m.keySourceColumns();
        String quoted = cols.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
        String from = table.from();
        String nulls = cols.stream().map(k -> Identifiers.quote(k) + " IS NULL").collect(Collectors.joining(" OR "));
        String named = "the key " + m.key() + (cols.equals(m.key()) ? "" : " (source columns " + cols + ")") + " of " + m.targetTable();
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT " + table.keyExpr() + " FROM " + from + " WHERE " + nulls + " LIMIT 1")) {
                if (rs.next()) {
                    preflight.problem(at, named + " is null in " + m.source().qualifiedName() + " for the row " + row(rs, table.key()),
                            "a target key must be non-null: declare other columns as key:, or fill the column in the source");
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT " + quoted + ", count(*) FROM " + from + " GROUP BY " + quoted
                    + " HAVING count(*) > 1 LIMIT 1")) {
                if (rs.next()) {
                    preflight.problem(at, named + " is not unique in " + m.source().qualifiedName() + ": " + rs.getLong(cols.size() + 1)
                            + " rows have " + row(rs, cols), "declare a key: that identifies one row of the source, or remove the duplicates there");
                }
            }
        }
    }

    private static String row(ResultSet rs, List<String> columns) throws SQLException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            out.add(columns.get(i) + "=" + rs.getString(i + 1));
        }
        return String.join(", ", out);
    }

    private static Connection open(PipelineConfig.Source source) throws SQLException {
        if (source.isSqlite()) {
            Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + source.sqlite().path() + "?mode=ro");
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000"); // the application may be writing
            }
            return c;
        }
        return Preflight.connect(source.postgres().url(), source.postgres().user(), source.postgres().password());
    }

    /** What the check needs of a source table: its columns, primary key and (PostgreSQL) replica identity. */
    private record SourceTable(String from, List<String> columns, List<String> key, boolean fullReplicaIdentity) {
        /** The source key's select list (a SQLite table without a primary key: its rowid). */
        String keyExpr() {
            return key.stream().map(k -> k.equals(TableSchema.ROWID_COLUMN) ? "rowid" : Identifiers.quote(k)).collect(Collectors.joining(", "));
        }

        static SourceTable sqlite(Connection c, TableRef t) throws SQLException {
            List<String> cols = new ArrayList<>();
            TreeMap<Integer, String> pk = new TreeMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(" + Identifiers.quote(t.table()) + ")")) {
                while (rs.next()) {
                    cols.add(rs.getString("name"));
                    if (rs.getInt("pk") > 0) {
                        pk.put(rs.getInt("pk"), rs.getString("name"));
                    }
                }
            }
            if (!cols.isEmpty() && pk.isEmpty()) {
                cols.add(0, TableSchema.ROWID_COLUMN);
                pk.put(1, TableSchema.ROWID_COLUMN);
            }
            return new SourceTable(Identifiers.quote(t.table()), cols, List.copyOf(pk.values()), true);
        }

        static SourceTable postgres(Connection c, TableRef t) throws SQLException {
            String relation = Identifiers.quote(t.schema()) + "." + Identifiers.quote(t.table());
            List<String> cols = new ArrayList<>();
            List<String> pk = new ArrayList<>();
            boolean full = false;
            try (var ps = c.prepareStatement("SELECT a.attname, coalesce(array_position(i.indkey::int2[], a.attnum), 0), cl.relreplident = 'f' "
                    + "FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace JOIN pg_attribute a ON a.attrelid = cl.oid "
                    + "LEFT JOIN pg_index i ON i.indrelid = cl.oid AND i.indisprimary "
                    + "WHERE n.nspname = ? AND cl.relname = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
                ps.setString(1, t.schema());
                ps.setString(2, t.table());
                TreeMap<Integer, String> order = new TreeMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        cols.add(rs.getString(1));
                        if (rs.getInt(2) > 0) {
                            order.put(rs.getInt(2), rs.getString(1));
                        }
                        full = rs.getBoolean(3);
                    }
                }
                pk.addAll(order.values());
            }
            return new SourceTable(relation, cols, pk, full);
        }
    }
}
