package io.tributary.capture.sqlite.wal;

import java.util.List;

/**
 * The row changes of one table in one transaction, each key at most once, in key order (rowid order, or for
 * WITHOUT ROWID tables the PRIMARY KEY order under BINARY, NOCASE or RTRIM collation and ASC/DESC as
 * declared); for a rowid table keyed by a declared key other than the rowid (a TEXT or composite PRIMARY KEY),
 * and for a WITHOUT ROWID table whose key order the decoder does not reproduce (another collation, a UTF-16
 * database), deletes first, then updates, then creates, so that a key moved to another row is never lost to a
 * delete.
 *
 * <p>{@code definition} is the table as declared after the transaction (before it, for a table the
 * transaction dropped): the definition the rows were decoded with, and the one their shape in the contract
 * comes from.
 */
public record TableChanges(TableDef definition, List<RowChange> changes) {

    /** The table's name as declared. */
    public String table() {
        return definition.name();
    }

    /**
     * The table's stored columns (VIRTUAL generated columns are not stored and are not included), in the
     * order of {@link RowChange#before()} and {@link RowChange#after()}.
     */
    public List<String> columns() {
        return definition.columnNames();
    }

    /**
     * {@code ["rowid"]} for rowid tables without a declared key or with an INTEGER PRIMARY KEY, else the
     * PRIMARY KEY columns: what {@link RowChange#key()} holds.
     */
    public List<String> keyColumns() {
        return definition.keyNames();
    }
}
