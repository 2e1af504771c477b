package io.tributary.capture.sqlite;

import io.tributary.capture.sqlite.wal.SqliteTypes;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a SQLite row becomes a change event, for the snapshot (rows read over JDBC) and for streaming (rows
 * decoded from the WAL) alike: values through {@link SqliteTypes#contractValue}, the rowid as
 * {@value SqliteTables#ROWID} for a table keyed by it, the source block of the contract.
 *
 * <p>Commit timestamps are not in the WAL: events carry the time they were made as the source time.
 */
final class SqliteEvents {
    private final String databaseName;

    SqliteEvents(Path database) {
        this.databaseName = database.getFileName().toString();
    }

    ChangeEvent event(TableSchema schema, Op op, Map<String, Object> before, Map<String, Object> after, Position pos, boolean snapshot) {
        return new ChangeEvent(schema, op, before, after, pos, System.currentTimeMillis(), snapshot ? "true" : "false", "sqlite",
                databaseName, null, null);
    }

    /** The current row of {@code rs}, read with {@link SqliteTables#selectAll}. */
    static Map<String, Object> row(TableSchema schema, ResultSet rs) throws SQLException {
        List<Column> cols = schema.columns();
        Map<String, Object> row = new HashMap<>(cols.size() * 2);
        for (int i = 0; i < cols.size(); i++) {
            row.put(cols.get(i).name(), SqliteTypes.contractValue(rs.getObject(i + 1), cols.get(i), schema));
        }
        return row;
    }

    /**
     * A decoded row image: {@code values} in the order of {@code columns} (the table's stored columns; those
     * not in the schema, generated ones, are left out), plus the rowid from {@code key} when the table is
     * keyed by it. Null for a missing image (the before of a create, the after of a delete).
     */
    static Map<String, Object> row(TableSchema schema, List<String> columns, List<Object> key, List<Object> values) {
        if (values == null) {
            return null;
        }
        Map<String, Object> row = new HashMap<>(values.size() * 2 + 2);
        for (int i = 0; i < values.size(); i++) {
            String name = columns.get(i);
            Column c = schema.column(name).orElse(null);
            if (c != null) {
                row.put(name, SqliteTypes.contractValue(values.get(i), c, schema));
            }
        }
        if (schema.column(SqliteTables.ROWID).isPresent()) {
            row.put(SqliteTables.ROWID, key.get(0));
        }
        return row;
    }
}
