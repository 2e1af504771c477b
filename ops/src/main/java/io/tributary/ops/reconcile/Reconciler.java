package io.tributary.ops.reconcile;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Identifiers;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.Conversions;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares every owned table of a pipeline, source against target: row counts and a content checksum
 * over every column. Values are compared in the target column's terms (a SQLite 0/1 against a boolean, naive
 * UTC datetime text against a timestamptz, a REAL against a double precision bit for bit, a numeric by its
 * exact value), so the checksum matches exactly when the target holds what the source holds. The target
 * side is the service's copy of the source: the sink's {@link Bookkeeping} columns are left out, and so are
 * rows a {@code delete: soft} table keeps flagged {@value Bookkeeping#DELETED}.
 *
 * <p>Reads whole tables into memory: meant for the demo and for tables up to a few million rows.
 */
public final class Reconciler {
    public record TableReport(String service, String table, long sourceRows, long targetRows,
                              String sourceChecksum, String targetChecksum) {
        public boolean matches() {
            return sourceRows == targetRows && sourceChecksum.equals(targetChecksum);
        }
    }

    private Reconciler() {
    }

    public static List<TableReport> reconcile(PipelineConfig config) throws SQLException {
        List<TableReport> out = new ArrayList<>();
        for (PipelineConfig.Service svc : config.services()) {
            try (Connection target = Preflight.connect(svc.target().url(), svc.target().user(), svc.target().password())) {
                for (TableRef t : svc.tables()) {
                    PipelineConfig.Source source = config.source(t.source()).orElseThrow();
                    out.add(table(svc, source, t, target));
                }
            }
        }
        return out;
    }

    private static TableReport table(PipelineConfig.Service svc, PipelineConfig.Source source, TableRef t, Connection target) throws SQLException {
        TargetTable shape = targetTable(target, t.table());
        if (shape == null) {
            Digest src = sourceDigest(source, t, null);
            return new TableReport(svc.name(), t.topic(), src.rows, 0, src.hex(), "(no table)");
        }
        Map<String, String> cols = shape.columns();
        Digest src = sourceDigest(source, t, cols);
        String present = shape.softDelete() ? " WHERE NOT " + Bookkeeping.DELETED : "";
        Digest dst = digest(target, "SELECT " + selectList(cols, false) + " FROM " + Identifiers.quote(t.table()) + present, cols);
        return new TableReport(svc.name(), t.topic(), src.rows, dst.rows, src.hex(), dst.hex());
    }

    private static Digest sourceDigest(PipelineConfig.Source source, TableRef t, Map<String, String> cols) throws SQLException {
        boolean sqlite = source.isSqlite();
        String from = sqlite ? Identifiers.quote(t.table()) : Identifiers.quote(t.schema()) + "." + Identifiers.quote(t.table());
        String select = cols == null ? "SELECT count(*) FROM " + from : "SELECT " + selectList(cols, sqlite) + " FROM " + from;
        try (Connection c = sqlite ? DriverManager.getConnection("jdbc:sqlite:file:" + source.sqlite().path() + "?mode=ro")
                : Preflight.connect(source.postgres().url(), source.postgres().user(), source.postgres().password())) {
            if (cols == null) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(select)) {
                    rs.next();
                    Digest d = new Digest();
                    d.rows = rs.getLong(1);
                    return d;
                }
            }
            return digest(c, select, cols);
        }
    }

    private static String selectList(Map<String, String> cols, boolean sqlite) {
        List<String> parts = new ArrayList<>();
        for (String c : cols.keySet()) {
            parts.add(sqlite && c.equals(TableSchema.ROWID_COLUMN) ? "rowid" : Identifiers.quote(c));
        }
        return String.join(", ", parts);
    }

    private static Digest digest(Connection c, String select, Map<String, String> cols) throws SQLException {
        List<String> rows = new ArrayList<>();
        List<String> types = new ArrayList<>(cols.values());
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(select)) {
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < types.size(); i++) {
                    sb.append(canonical(rs.getObject(i + 1), types.get(i))).append('\u001f');
                }
                rows.add(sb.toString());
            }
        }
        rows.sort(null);
        Digest d = new Digest();
        d.rows = rows.size();
        for (String r : rows) {
            d.md.update(r.getBytes(StandardCharsets.UTF_8));
            d.md.update((byte) '\n');
        }
        return d;
    }

    /** A value in the terms of the target column type {@code udt} (PostgreSQL's udt_name). */
    static String canonical(Object v, String udt) {
        if (v == null) {
            return "\u2205";
        }
        return switch (udt) {
            case "bool" -> Boolean.toString(v instanceof Boolean b ? b : ((Number) v).longValue() != 0);
            case "int2", "int4", "int8" -> Long.toString(((Number) v).longValue());
            case "float4" -> Double.toString(((Number) v).doubleValue()); // widened: a double squeezed into float4 differs
            case "float8" -> Double.toString(((Number) v).doubleValue());
            case "numeric" -> {
                String text = v instanceof Double d ? Double.toString(d) : v.toString();
                yield text.equals("NaN") ? text : new BigDecimal(text).stripTrailingZeros().toPlainString();
            }
            case "timestamptz" -> Long.toString(v instanceof String s ? Conversions.micros(s) : micros(((java.sql.Timestamp) v).toInstant()));
            case "timestamp" -> v instanceof java.sql.Timestamp ts ? ts.toLocalDateTime().toString() : v.toString();
            case "date" -> v instanceof java.sql.Date d ? d.toLocalDate().toString() : java.time.LocalDate.parse(v.toString().trim()).toString();
            case "bytea" -> HexFormat.of().formatHex((byte[]) v);
            default -> v.toString();
        };
    }

    private static long micros(java.time.Instant i) {
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1000);
    }

    /**
     * A target table as the reconciler compares it: its data columns (name to PostgreSQL's udt_name), in
     * order, and whether it has rows flagged deleted to leave out.
     */
    private record TargetTable(Map<String, String> columns, boolean softDelete) {
    }

    /** The target table's shape, or null when the target has no such table (yet). */
    private static TargetTable targetTable(Connection c, String table) throws SQLException {
        Map<String, String> cols = new LinkedHashMap<>();
        boolean exists = false;
        boolean softDelete = false;
        try (PreparedStatement ps = c.prepareStatement("SELECT column_name, udt_name FROM information_schema.columns "
                + "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String column = rs.getString(1);
                    exists = true;
                    softDelete |= column.equals(Bookkeeping.DELETED);
                    if (!Bookkeeping.isColumn(column)) {
                        cols.put(column, rs.getString(2));
                    }
                }
            }
        }
        return exists ? new TargetTable(cols, softDelete) : null;
    }

    private static final class Digest {
        long rows;
        final MessageDigest md;

        Digest() {
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        String hex() {
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        }
    }
}
