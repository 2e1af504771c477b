package io.tributary.sink.postgres;

import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a target table from the table shape an event carries (exact types, the same primary key and NOT
 * NULL constraints, plus the guard column {@value #POSITION}), and applies additive evolution: a column
 * the target lacks is added, nullable. Nothing is ever dropped or retyped.
 */
final class TargetTables {
    static final String POSITION = "_tributary_pos";
    private static final Logger log = LoggerFactory.getLogger(TargetTables.class);

    private TargetTables() {
    }

    /** Makes the target table fit {@code t}; returns the target's table name. */
    static String ensure(Connection c, TableSchema t) throws SQLException {
        String name = t.table().table();
        Map<String, String> existing = columns(c, name);
        try (Statement s = c.createStatement()) {
            if (existing.isEmpty()) {
                String cols = t.columns().stream()
                        .map(col -> PgTypes.quote(col.name()) + " " + PgTypes.sqlType(col) + (col.optional() ? "" : " NOT NULL"))
                        .collect(Collectors.joining(", "));
                String pk = t.primaryKey().stream().map(PgTypes::quote).collect(Collectors.joining(", "));
                s.execute("CREATE TABLE IF NOT EXISTS " + PgTypes.quote(name) + " (" + cols + ", " + POSITION
                        + " bigint[] NOT NULL, PRIMARY KEY (" + pk + "))");
                log.info("created target table table={} columns={}", name, t.columns().size());
            } else {
                for (Column col : t.columns()) {
                    if (!existing.containsKey(col.name())) {
                        s.execute("ALTER TABLE " + PgTypes.quote(name) + " ADD COLUMN IF NOT EXISTS " + PgTypes.quote(col.name())
                                + " " + PgTypes.sqlType(col));
                        log.info("added target column table={} column={} type={}", name, col.name(), PgTypes.sqlType(col));
                    }
                }
                if (!existing.containsKey(POSITION)) {
                    s.execute("ALTER TABLE " + PgTypes.quote(name) + " ADD COLUMN " + POSITION + " bigint[] NOT NULL DEFAULT '{-1,-1,-1,-1}'");
                }
            }
        }
        c.commit();
        return name;
    }

    private static Map<String, String> columns(Connection c, String table) throws SQLException {
        Map<String, String> cols = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT column_name, data_type FROM information_schema.columns "
                + "WHERE table_schema = current_schema() AND table_name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    cols.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return cols;
    }
}
