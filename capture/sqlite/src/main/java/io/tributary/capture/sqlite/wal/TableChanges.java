package io.tributary.capture.sqlite.wal;

import java.util.List;

/**
 * The row changes of one table in one transaction, in key order (rowid order, or for WITHOUT ROWID tables
 * the PRIMARY KEY order under BINARY, NOCASE or RTRIM collation and ASC/DESC as declared).
 *
 * <p>{@code columns} are the table's stored columns (VIRTUAL generated columns are not stored and are not
 * included) as declared after the transaction (before it, for a table the transaction dropped).
 * {@code keyColumns} is {@code ["rowid"]} for rowid tables, else the PRIMARY KEY columns.
 */
public record TableChanges(String table, List<String> columns, List<String> keyColumns, List<RowChange> changes) {
}
