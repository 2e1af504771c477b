package io.tributary.capture.sqlite.wal;

import io.tributary.capture.sqlite.wal.SqliteTypes.Affinity;

/**
 * One stored column of a {@code CREATE TABLE}, as SQLite keeps it in {@code sqlite_schema}.
 *
 * @param declaredType      the declared type as written (e.g. {@code VARCHAR(10)}), "" for none; what
 *                          {@code PRAGMA table_info} reports
 * @param affinity          SQLite's affinity of that type ({@link SqliteTypes#affinity})
 * @param notNull           declared NOT NULL
 * @param defaultValue      the value a record written before an {@code ALTER TABLE ADD COLUMN} of this column
 *                          yields for it: the constant default with the column's affinity applied, as SQLite
 *                          evaluates it ({@link SqliteTypes}); null for no default, a NULL default, or a
 *                          default that is not a literal
 * @param defaultExpression the text of a default that is not a literal (CURRENT_TIMESTAMP, an expression in
 *                          parentheses), which only SQLite can evaluate; null otherwise. For ADD COLUMN
 *                          SQLite accepts only constant ones, e.g. {@code (CAST(3 AS TEXT))}; the decoder
 *                          does not evaluate them and refuses a record that needs one (see {@link RecordDecoder})
 * @param collation         BINARY, NOCASE or RTRIM (upper case)
 * @param generated         a STORED generated column: in the record, but derived, and not part of the
 *                          table's shape in the contract (as {@code PRAGMA table_info} leaves it out)
 */
public record ColumnDef(String name, String declaredType, Affinity affinity, boolean notNull, Object defaultValue,
                        String defaultExpression, String collation, boolean generated) {
}
