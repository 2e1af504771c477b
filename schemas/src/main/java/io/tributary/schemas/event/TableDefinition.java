package io.tributary.schemas.event;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a table is besides its columns and key, as far as a copy of it must behave like it once the application
 * writes to the copy (after a cutover): the key columns the source generates, the defaults that are
 * expressions, the secondary indexes and the constraints. The capture reads it from the source's catalog
 * (the sink cannot reach the source) and it travels in the table's schema ({@link Envelope}); the sink creates
 * a missing target table with it (see {@code docs/sink.md}).
 *
 * <p>Everything is already in PostgreSQL's terms: a capture translates what it can (SQLite's
 * {@code CURRENT_TIMESTAMP} becomes {@code now()}) and leaves out, and logs, what has no direct form. It is
 * deterministic for one source definition, so snapshot and streamed events carry the same schema.
 *
 * @param generated   columns whose value the source generates when an INSERT leaves them out (SQLite's
 *                    INTEGER PRIMARY KEY and rowid, PostgreSQL's serial and identity columns), in column order
 * @param defaults    column name to a PostgreSQL default expression ({@code now()}, {@code 'open'::text});
 *                    constant SQLite defaults travel as {@link Column#defaultValue()} instead
 * @param indexes     secondary indexes on plain columns (not the primary key's), unique ones included
 * @param foreignKeys foreign keys to other tables of the same source
 * @param checks      CHECK constraints
 */
public record TableDefinition(List<String> generated, Map<String, String> defaults, List<Index> indexes, List<ForeignKey> foreignKeys,
                              List<Check> checks) {
    /** A table with none of these (also what schemas written before they travelled read as). */
    public static final TableDefinition NONE = new TableDefinition(List.of(), Map.of(), List.of(), List.of(), List.of());

    public TableDefinition {
        generated = List.copyOf(generated);
        defaults = java.util.Collections.unmodifiableMap(new TreeMap<>(defaults));
        indexes = List.copyOf(indexes);
        foreignKeys = List.copyOf(foreignKeys);
        checks = List.copyOf(checks);
    }

    /** An index on {@code columns} in order ({@code unique}: a UNIQUE constraint or a unique index). */
    public record Index(String name, List<String> columns, boolean unique) {
        public Index {
            columns = List.copyOf(columns);
        }
    }

    /**
     * {@code columns} reference {@code referencedColumns} of {@code table} (a table of the same source, by its
     * name); {@code onDelete}/{@code onUpdate} are PostgreSQL's actions ({@code NO ACTION}, {@code CASCADE},
     * {@code SET NULL}, {@code SET DEFAULT}, {@code RESTRICT}).
     */
    public record ForeignKey(String name, List<String> columns, String table, List<String> referencedColumns, String onDelete,
                             String onUpdate) {
        public ForeignKey {
            columns = List.copyOf(columns);
            referencedColumns = List.copyOf(referencedColumns);
        }
    }

    /** {@code CHECK (expression)}, the expression in PostgreSQL. */
    public record Check(String name, String expression) {
    }

    public boolean isGenerated(String column) {
        return generated.contains(column);
    }

    public boolean isEmpty() {
        return equals(NONE);
    }
}
