package io.tributary.schemas.event;

import java.util.List;
import java.util.Map;

/**
 * One row change: what a capture produces, what an envelope carries ({@link Envelope}) and what
 * {@link io.tributary.schemas.kafka.ChangeEventReader} hands back. Row maps hold values in their Avro
 * representation (see {@link ColumnType}); {@code before} is null for inserts and snapshot reads,
 * {@code after} is null for deletes.
 *
 * @param commitTsMs   when the source committed the change (ms since the epoch); SQLite's WAL has no commit
 *                     time, there it is when the capture decoded the transaction
 * @param snapshot     "true", "last" or "false", as in Debezium's source block
 * @param txId         the source transaction id, where the source has one
 * @param lsn          the source log position of the change (PostgreSQL), else null
 * @param unchanged    columns of {@code after} whose value the source did not send (PostgreSQL's unchanged
 *                     TOAST values): the target keeps what it has; their value in {@code after} means nothing
 * @param tsMs         when the capture processed the change (the envelope's {@code ts_ms}, Debezium's
 *                     meaning); later stages keep it, so {@code tsMs - commitTsMs} is the capture's lag
 */
public record ChangeEvent(TableSchema schema, Op op, Map<String, Object> before, Map<String, Object> after,
                          Position position, long commitTsMs, String snapshot, String connector, String database,
                          Long txId, Long lsn, List<String> unchanged, long tsMs) {
    public ChangeEvent {
        unchanged = List.copyOf(unchanged);
    }

    /** A change the capture processes now. */
    public ChangeEvent(TableSchema schema, Op op, Map<String, Object> before, Map<String, Object> after, Position position,
                       long commitTsMs, String snapshot, String connector, String database, Long txId, Long lsn, List<String> unchanged) {
        this(schema, op, before, after, position, commitTsMs, snapshot, connector, database, txId, lsn, unchanged, System.currentTimeMillis());
    }

    /** A change the capture processes now, every column sent. */
    public ChangeEvent(TableSchema schema, Op op, Map<String, Object> before, Map<String, Object> after, Position position,
                       long commitTsMs, String snapshot, String connector, String database, Long txId, Long lsn) {
        this(schema, op, before, after, position, commitTsMs, snapshot, connector, database, txId, lsn, List.of());
    }

    /** The row image that carries the key: after for inserts, reads and updates, before for deletes. */
    public Map<String, Object> keyImage() {
        return op == Op.DELETE ? before : after;
    }

    /** The primary key values in key order. */
    public List<Object> keyValues() {
        Map<String, Object> img = keyImage();
        return schema.primaryKey().stream().map(img::get).toList();
    }

    /**
     * Whether this event belongs to a snapshot rather than the change stream: any {@code snapshot} value but
     * "false" (Debezium also writes "first", "last", "first_in_data_collection", "last_in_data_collection",
     * "incremental").
     */
    public boolean isSnapshot() {
        return snapshot != null && !"false".equals(snapshot);
    }

    /** The same change with other row images and schema (a normalisation); everything else is kept. */
    public ChangeEvent withRows(TableSchema newSchema, Map<String, Object> newBefore, Map<String, Object> newAfter) {
        return new ChangeEvent(newSchema, op, newBefore, newAfter, position, commitTsMs, snapshot, connector, database, txId, lsn,
                unchanged, tsMs);
    }
}
