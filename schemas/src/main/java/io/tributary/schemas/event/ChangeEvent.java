package io.tributary.schemas.event;

import java.util.List;
import java.util.Map;

/**
 * One row change as the captures produce it, before it becomes an Avro envelope. Row maps hold values in
 * their Avro representation (see {@link ColumnType}); {@code before} is null for inserts and snapshot
 * reads, {@code after} is null for deletes.
 *
 * @param commitTsMs   when the source committed the change (ms since the epoch)
 * @param snapshot     "true", "last" or "false", as in Debezium's source block
 * @param unchanged    columns of {@code after} whose value the source did not send (PostgreSQL's unchanged
 *                     TOAST values): the target keeps what it has; their value in {@code after} means nothing
 */
public record ChangeEvent(TableSchema schema, Op op, Map<String, Object> before, Map<String, Object> after,
                          Position position, long commitTsMs, String snapshot, String connector, String database,
                          Long txId, Long lsn, List<String> unchanged) {
    public ChangeEvent {
        unchanged = List.copyOf(unchanged);
    }

    public ChangeEvent(TableSchema schema, Op op, Map<String, Object> before, Map<String, Object> after, Position position,
                       long commitTsMs, String snapshot, String connector, String database, Long txId, Long lsn) {
        this(schema, op, before, after, position, commitTsMs, snapshot, connector, database, txId, lsn, List.of());
    }
}
