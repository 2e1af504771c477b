package io.tributary.sink.postgres;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The target column type of each column of one table version. Mostly {@link PgTypes#sqlType}, the exact type
 * of the contract type. A PostgreSQL source also carries types the contract has no type for (enums, domains,
 * arrays, {@code interval}, {@code money}, {@code inet}, {@code bit(n)}, {@code xml}, {@code hstore},
 * extension types): their values travel as PostgreSQL's text of the value (a domain as its base type) with the
 * declared type in {@code tributary.source.type}. Such a column is created with the declared type when the
 * target database has it, and its values are cast to it from the form they travel in; so
 * {@code value::text} reads the same on both sides.
 *
 * <p>When the target has no type of that name (an enum or domain not created there, an extension not
 * installed), the column falls back to the contract type's own column (text; {@code money} numeric; a domain
 * its base type), which holds the same text exactly, and {@link #missing} names it so that the caller warns
 * once, with the fix. A column that exists already with another type (made before, as text) keeps it, and
 * its values the form they were written in. Not guaranteed: a type whose name needs quoting (mixed case) or that is outside the
 * target's {@code search_path} is not found and falls back; an array keeps no element length
 * ({@code varchar(10)[]} becomes {@code varchar[]}), as PostgreSQL's arrays ignore it anyway.
 */
final class TargetTypes {
    /** The declared types (Debezium's spelling, without size) for which the contract type's own column is exact. */
    private static final Map<ColumnType, Set<String>> PLAIN = Map.ofEntries(
            Map.entry(ColumnType.BOOLEAN, Set.of("BOOL", "BOOLEAN")),
            Map.entry(ColumnType.INT16, Set.of("INT2", "SMALLINT", "SMALLSERIAL")),
            Map.entry(ColumnType.INT32, Set.of("INT4", "INTEGER", "INT", "SERIAL")),
            Map.entry(ColumnType.INT64, Set.of("INT8", "BIGINT", "BIGSERIAL")),
            Map.entry(ColumnType.FLOAT32, Set.of("FLOAT4", "REAL")),
            Map.entry(ColumnType.FLOAT64, Set.of("FLOAT8", "DOUBLE PRECISION")),
            Map.entry(ColumnType.DECIMAL, Set.of("NUMERIC", "DECIMAL")),
            Map.entry(ColumnType.TEXT, Set.of("TEXT", "VARCHAR", "CHARACTER VARYING", "BPCHAR", "CHAR", "CHARACTER")),
            Map.entry(ColumnType.BYTES, Set.of("BYTEA")),
            Map.entry(ColumnType.DATE, Set.of("DATE")),
            Map.entry(ColumnType.TIME, Set.of("TIME")),
            Map.entry(ColumnType.TIMESTAMP, Set.of("TIMESTAMP")),
            Map.entry(ColumnType.TIMESTAMPTZ, Set.of("TIMESTAMPTZ")),
            Map.entry(ColumnType.JSON, Set.of("JSON", "JSONB")),
            Map.entry(ColumnType.UUID, Set.of("UUID")));
    /** A declared type as Debezium names it: a name, an optional size, {@code _} before an array's element. */
    private static final Pattern DECLARED = Pattern.compile("(_?)([A-Za-z_][A-Za-z0-9_]*)(\\(\\d+(?:,\\d+)?\\))?");
    /** {@link ChangeEvent#connector()} of capture-postgres's events. */
    private static final String POSTGRES_CONNECTOR = "postgresql";
    private static final TargetTypes NONE = new TargetTypes(Map.of(), Map.of());

    /** Column -> the declared type as the target spells it, for the columns the target has that type for. */
    private final Map<String, String> declared;
    /** Column -> the declared type the target does not have (its column falls back). */
    private final Map<String, String> missing;

    private TargetTypes(Map<String, String> declared, Map<String, String> missing) {
        this.declared = declared;
        this.missing = missing;
    }

    /**
     * The types of the table version {@code e} is of: for a PostgreSQL source each declared type the contract has
     * no type for, looked up in the target; for a SQLite source the contract types (its declared types are the
     * application's words, not types of PostgreSQL).
     */
    static TargetTypes of(Connection c, ChangeEvent e) throws SQLException {
        return POSTGRES_CONNECTOR.equals(e.connector()) ? of(c, e.schema()) : NONE;
    }

    private static TargetTypes of(Connection c, TableSchema t) throws SQLException {
        Map<String, String> found = new HashMap<>();
        Map<String, String> notFound = new HashMap<>();
        TargetColumns existing = TargetColumns.read(c, t.table().table());
        for (Column col : t.columns()) {
            String wanted = wanted(col);
            if (wanted != null) {
                String spelled = lookUp(c, wanted);
                String made = existing.type(col.name());
                if (made != null && !made.equals(spelled)) {
                    continue; // made before as the contract type's column (text): it keeps the form its values were written in
                }
                if (spelled != null) {
                    found.put(col.name(), spelled);
                } else {
                    notFound.put(col.name(), wanted);
                }
            }
        }
        return new TargetTypes(Map.copyOf(found), Map.copyOf(notFound));
    }

    /** The column's type in the target. */
    String sqlType(Column c) {
        return declared.getOrDefault(c.name(), PgTypes.sqlType(c));
    }

    /** Whether the column's values are cast to a declared type from the form they travel in. */
    boolean castsTo(Column c) {
        return declared.containsKey(c.name());
    }

    /** The declared type of a column the target lacks it for (its column falls back), else null. */
    String missing(Column c) {
        return missing.get(c.name());
    }

    /**
     * The type a PostgreSQL source declared, as SQL ({@code mood}, {@code int4[]}, {@code bit(4)}), when the
     * contract type's own column is not that type; null when it is, or when the name is not a plain type name.
     */
    static String wanted(Column c) {
        if (c.sourceType() == null) {
            return null;
        }
        Matcher m = DECLARED.matcher(c.sourceType().trim());
        if (!m.matches()) {
            return null;
        }
        boolean array = !m.group(1).isEmpty();
        String name = m.group(2).toUpperCase(Locale.ROOT);
        if (!array && PLAIN.getOrDefault(c.type(), Set.of()).contains(name)) {
            return null;
        }
        return name.toLowerCase(Locale.ROOT) + (m.group(3) == null ? "" : m.group(3)) + (array ? "[]" : "");
    }

    /** {@code wanted} as the target's {@code format_type} spells it, or null when the target has no such type. */
    private static String lookUp(Connection c, String wanted) throws SQLException {
        Matcher size = Pattern.compile("\\(\\d+(?:,\\d+)?\\)").matcher(wanted);
        String sized = size.find() ? size.group() : "";
        try (PreparedStatement ps = c.prepareStatement("SELECT format_type(to_regtype(?), NULL)")) {
            ps.setString(1, wanted.replace(sized, ""));
            try (ResultSet rs = ps.executeQuery()) {
                String spelled = rs.next() ? rs.getString(1) : null;
                if (spelled == null || sized.isEmpty()) {
                    return spelled;
                }
                return spelled.endsWith("[]") ? spelled.substring(0, spelled.length() - 2) + sized + "[]" : spelled + sized;
            }
        }
    }
}
