package io.tributary.capture.sqlite.wal;

import java.io.IOException;

/**
 * Receives the row changes of committed transactions while {@link WalDecoder#poll(ChangeSink)} decodes them,
 * one at a time, so that a transaction of millions of rows (or a VACUUM) never has to be held in memory.
 *
 * <p>Order: for each transaction, in commit order, {@link #begin}, its changes table by table (tables in name
 * order, each table's changes as {@link TableChanges} describes), then {@link #end}. Not a promise: the poll
 * may still throw (a {@link WalGapException} found after the reads, a malformed page further on) after
 * changes or even {@code end} were delivered. Make what was received visible only once {@code poll} has
 * returned; on an exception, discard it (the capture aborts its Kafka transaction).
 */
public interface ChangeSink {
    /** A committed transaction at {@code position} begins. */
    void begin(WalPosition position) throws IOException;

    /** One row change of {@code table} (its definition after the transaction, or before it for a dropped table). */
    void change(TableDef table, RowChange change) throws IOException;

    /** The transaction at {@code position} has no more changes. */
    default void end(WalPosition position) throws IOException {
    }
}
