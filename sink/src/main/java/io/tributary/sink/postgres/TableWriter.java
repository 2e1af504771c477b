package io.tributary.sink.postgres;

import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Position-guarded writes of one table's rows. An upsert changes a row only when the event's position is
 * newer than the one stored with the row; a delete removes it only when the event is newer. So redelivery
 * and replay of events in their order never regress a row.
 */
final class TableWriter {
    private final TableSchema schema;
    private final String upsertSql;
    private final String deleteSql;

    TableWriter(String table, TableSchema schema) {
        this.schema = schema;
        List<Column> cols = schema.columns();
        String names = cols.stream().map(c -> PgTypes.quote(c.name())).collect(Collectors.joining(", "));
        String params = cols.stream().map(c -> "?" + PgTypes.cast(c)).collect(Collectors.joining(", "));
        String pk = schema.primaryKey().stream().map(PgTypes::quote).collect(Collectors.joining(", "));
        String set = cols.stream().filter(c -> !schema.primaryKey().contains(c.name()))
                .map(c -> PgTypes.quote(c.name()) + " = EXCLUDED." + PgTypes.quote(c.name()))
                .collect(Collectors.joining(", "));
        String q = PgTypes.quote(table);
        upsertSql = "INSERT INTO " + q + " AS t (" + names + ", " + TargetTables.POSITION + ") VALUES (" + params + ", ?::bigint[]) "
                + "ON CONFLICT (" + pk + ") DO UPDATE SET " + (set.isEmpty() ? "" : set + ", ")
                + TargetTables.POSITION + " = EXCLUDED." + TargetTables.POSITION
                + " WHERE t." + TargetTables.POSITION + " < EXCLUDED." + TargetTables.POSITION;
        deleteSql = "DELETE FROM " + q + " WHERE " + schema.primaryKey().stream()
                .map(k -> PgTypes.quote(k) + " = ?" + PgTypes.cast(schema.column(k).orElseThrow()))
                .collect(Collectors.joining(" AND ")) + " AND " + TargetTables.POSITION + " < ?::bigint[]";
    }

    TableSchema schema() {
        return schema;
    }

    void upsert(Connection c, List<Map<String, Object>> rows, List<Position> positions) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(upsertSql)) {
            for (int r = 0; r < rows.size(); r++) {
                int i = 1;
                for (Column col : schema.columns()) {
                    bind(ps, i++, col, rows.get(r).get(col.name()));
                }
                ps.setString(i, pgArray(positions.get(r)));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    void delete(Connection c, List<Map<String, Object>> keys, List<Position> positions) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(deleteSql)) {
            for (int r = 0; r < keys.size(); r++) {
                int i = 1;
                for (String k : schema.primaryKey()) {
                    bind(ps, i++, schema.column(k).orElseThrow(), keys.get(r).get(k));
                }
                ps.setString(i, pgArray(positions.get(r)));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static String pgArray(Position p) {
        long[] parts = p.parts();
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < parts.length; i++) {
            sb.append(i == 0 ? "" : ",").append(parts[i]);
        }
        return sb.append('}').toString();
    }

    private static void bind(PreparedStatement ps, int i, Column c, Object v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.OTHER); // unspecified type: the server takes the column's
            return;
        }
        switch (c.type()) {
            case BOOLEAN -> ps.setBoolean(i, (Boolean) v);
            case INT16 -> ps.setShort(i, ((Number) v).shortValue());
            case INT32 -> ps.setInt(i, ((Number) v).intValue());
            case INT64 -> ps.setLong(i, ((Number) v).longValue());
            case FLOAT32 -> ps.setFloat(i, ((Number) v).floatValue());
            case FLOAT64 -> ps.setDouble(i, ((Number) v).doubleValue());
            case DECIMAL, TEXT, JSON, UUID -> ps.setString(i, v.toString());
            case BYTES -> ps.setBytes(i, bytes((ByteBuffer) v));
            case DATE -> ps.setObject(i, LocalDate.ofEpochDay(((Number) v).longValue()));
            case TIME -> ps.setObject(i, LocalTime.ofNanoOfDay(((Number) v).longValue() * 1000));
            case TIMESTAMP -> ps.setObject(i, LocalDateTime.ofEpochSecond(Math.floorDiv((Long) v, 1_000_000L),
                    (int) Math.floorMod((Long) v, 1_000_000L) * 1000, ZoneOffset.UTC));
            case TIMESTAMPTZ -> ps.setObject(i, OffsetDateTime.ofInstant(Instant.EPOCH
                    .plusSeconds(Math.floorDiv((Long) v, 1_000_000L)).plusNanos(Math.floorMod((Long) v, 1_000_000L) * 1000), ZoneOffset.UTC));
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
