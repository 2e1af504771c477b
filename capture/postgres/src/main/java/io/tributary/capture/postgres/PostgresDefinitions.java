package io.tributary.capture.postgres;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.CatalogRows;
import io.tributary.schemas.event.TableDefinition;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL source table's {@link TableDefinition}, from the catalogs: identity and serial columns
 * ({@code attidentity}, a {@code nextval} default) as generated; column defaults that any PostgreSQL can
 * evaluate (literals, {@code now()} and the other time functions, {@code gen_random_uuid()}; a literal's cast
 * dropped, so it takes the target column's type); the btree indexes on plain columns ({@code pg_index}, unique
 * ones and UNIQUE constraints unique); foreign keys and CHECKs ({@code pg_constraint}). Anything else (an
 * expression or partial index, a default calling a function of the application) is left out and logged.
 *
 * <p>Read when the capture first meets a table's shape, for snapshot and streamed events alike, so both carry
 * the same schema as long as the catalog does not change. A source that cannot be read stops the capture
 * rather than send a schema without the definition (which would register another version).
 */
final class PostgresDefinitions {
    private static final Logger log = LoggerFactory.getLogger(PostgresDefinitions.class);
    private static final Pattern CAST_LITERAL = Pattern.compile("^('(?:[^']|'')*')::[^']+$");
    private static final Set<String> PORTABLE_WORDS = Set.of("now", "current_timestamp", "current_date", "current_time", "localtimestamp",
            "localtime", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "gen_random_uuid", "timezone", "at", "time", "zone",
            "true", "false", "null", "interval", "text", "integer", "bigint", "smallint", "numeric", "boolean", "date", "timestamp", "with",
            "without", "character", "varying", "double", "precision", "real", "jsonb", "json", "uuid", "bytea");
    private static final Map<String, String> ACTIONS = Map.of("a", "NO ACTION", "r", "RESTRICT", "c", "CASCADE", "n", "SET NULL", "d", "SET DEFAULT");

    private final PipelineConfig.Postgres pg;

    PostgresDefinitions(PipelineConfig.Postgres pg) {
        this.pg = pg;
    }

    /** {@code shape} with its definition read from the source's catalogs. */
    TableSchema complete(TableSchema shape) {
        TableRef t = shape.table();
        try (Connection c = Preflight.connect(pg.url(), pg.user(), pg.password())) {
            return shape.withDefinition(read(c, shape));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the definition of table " + t.schema() + "." + t.table() + " from the source's catalogs ("
                    + Preflight.rootMessage(e) + "); check that the source is reachable and the user may read pg_catalog", e);
        }
    }

    /** The definition of {@code shape}'s table, about its columns only (the capture may leave some out, e.g. bookkeeping on the way back). */
    static TableDefinition read(Connection c, TableSchema shape) throws SQLException {
        TableRef t = shape.table();
        long oid = oid(c, t);
        List<String> leftOut = new ArrayList<>();
        List<String> generated = new ArrayList<>();
        Map<String, String> defaults = new LinkedHashMap<>();
        for (String[] col : rows(c, "SELECT a.attname, a.attidentity::text, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
                + "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                + "WHERE a.attrelid = ?::oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum", oid)) {
            if (shape.column(col[0]).isEmpty()) {
                continue;
            }
            if (!col[1].isEmpty() || col[2] != null && col[2].startsWith("nextval(")) {
                generated.add(col[0]);
            } else if (col[2] != null) {
                String portable = portable(col[2]);
                if (portable != null) {
                    defaults.put(col[0], portable);
                } else {
                    leftOut.add("DEFAULT " + col[2] + " of column " + col[0]);
                }
            }
        }
        List<TableDefinition.Index> indexes = new ArrayList<>();
        for (String[] ix : rows(c, "SELECT i.relname, x.indisunique::text, (x.indexprs IS NOT NULL OR x.indpred IS NOT NULL OR am.amname <> 'btree' "
                + "OR EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype = 'x'))::text, "
                + "(SELECT string_agg(a.attname, chr(1) ORDER BY n) FROM unnest(x.indkey::int2[]) WITH ORDINALITY u(attnum, n) "
                + "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.attnum WHERE n <= x.indnkeyatts) "
                + "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam "
                + "WHERE x.indrelid = ?::oid AND NOT x.indisprimary ORDER BY i.relname", oid)) {
            if (ix[2].equals("true") || ix[3] == null || !Arrays.stream(ix[3].split("\u0001")).allMatch(col -> shape.column(col).isPresent())) {
                leftOut.add("index " + ix[0] + " (an expression, partial, exclusion or non-btree index, or on a column not captured)");
            } else {
                indexes.add(new TableDefinition.Index(ix[0], Arrays.asList(ix[3].split("\u0001")), ix[1].equals("true")));
            }
        }
        List<TableDefinition.ForeignKey> keys = new ArrayList<>();
        for (String[] fk : rows(c, "SELECT k.conname, r.relname, " + columns("k.conrelid", "k.conkey") + ", " + columns("k.confrelid", "k.confkey")
                + ", k.confdeltype::text, k.confupdtype::text FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid "
                + "WHERE k.conrelid = ?::oid AND k.contype = 'f' ORDER BY k.conname", oid)) {
            keys.add(new TableDefinition.ForeignKey(fk[0], Arrays.asList(fk[2].split("\u0001")), fk[1], Arrays.asList(fk[3].split("\u0001")),
                    ACTIONS.get(fk[4]), ACTIONS.get(fk[5])));
        }
        List<TableDefinition.Check> checks = new ArrayList<>();
        for (String[] ck : rows(c, "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ?::oid AND contype = 'c' ORDER BY conname", oid)) {
            checks.add(new TableDefinition.Check(ck[0], ck[1].replaceFirst("^CHECK ", "").replaceFirst(" NOT VALID$", "")));
        }
        if (!leftOut.isEmpty()) {
            log.warn("not carried to the target table={}.{} (not portable to another database): {}", t.schema(), t.table(), leftOut);
        }
        return new TableDefinition(generated, defaults, indexes, keys, checks);
    }

    /** A default any PostgreSQL can evaluate, as it should be written in the target; null when it is not one. */
    static String portable(String expression) {
        var literal = CAST_LITERAL.matcher(expression);
        if (literal.matches()) {
            return literal.group(1);
        }
        String words = expression.replaceAll("'(?:[^']|'')*'", " ").replaceAll("[\\s\\d.+\\-*/()<>:,\\[\\]]+", " ").trim();
        for (String w : words.isEmpty() ? new String[0] : words.split(" ")) {
            if (!PORTABLE_WORDS.contains(w.toLowerCase(java.util.Locale.ROOT))) {
                return null;
            }
        }
        return expression;
    }

    private static String columns(String rel, String attnums) {
        return "(SELECT string_agg(a.attname, chr(1) ORDER BY n) FROM unnest(" + attnums + ") WITH ORDINALITY u(attnum, n) "
                + "JOIN pg_attribute a ON a.attrelid = " + rel + " AND a.attnum = u.attnum)";
    }

    private static long oid(Connection c, TableRef t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(quote_ident(?) || '.' || quote_ident(?))::oid")) {
            ps.setString(1, t.schema());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getObject(1) == null) {
                    throw new SQLException("table " + t.schema() + "." + t.table() + " does not exist");
                }
                return rs.getLong(1);
            }
        }
    }

    private static List<String[]> rows(Connection c, String sql, long oid) throws SQLException {
        return CatalogRows.of(c, sql, oid);
    }
}
