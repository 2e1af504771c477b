package io.tributary.schemas.event;

import java.util.List;
import java.util.Optional;

/**
 * The shape of a captured table: its columns in source order, its primary key column names, and what else a
 * copy needs to behave like it for the application ({@link TableDefinition}: generated keys, default
 * expressions, indexes, constraints).
 */
public record TableSchema(TableRef table, List<Column> columns, List<String> primaryKey, TableDefinition definition) {
    /**
     * The key column of a SQLite table without a primary key: such a table is keyed by its rowid, which
     * capture-sqlite carries as this INT64 column (and reads from SQLite's {@code rowid}). It is source data,
     * kept in the target like any other column.
     */
    public static final String ROWID_COLUMN = "_tributary_rowid";

    public TableSchema {
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
        definition = definition == null ? TableDefinition.NONE : definition;
        for (String k : primaryKey) {
            if (columns.stream().noneMatch(c -> c.name().equals(k))) {
                throw new IllegalArgumentException("primary key column '" + k + "' is not a column of " + table);
            }
        }
    }

    public TableSchema(TableRef table, List<Column> columns, List<String> primaryKey) {
        this(table, columns, primaryKey, TableDefinition.NONE);
    }

    /** The same table with {@code newDefinition}. */
    public TableSchema withDefinition(TableDefinition newDefinition) {
        return new TableSchema(table, columns, primaryKey, newDefinition);
    }

    public Optional<Column> column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
