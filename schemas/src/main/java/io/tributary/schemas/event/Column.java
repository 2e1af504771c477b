package io.tributary.schemas.event;

/**
 * One column of a captured table.
 *
 * @param sourceType   the type as the source declared it (e.g. {@code numeric(12,4)}, {@code BOOLEAN},
 *                     {@code DATETIME}); informational, used to create and check target columns
 * @param optional     whether the column may be NULL
 * @param defaultValue the value a row has for this column when it was written before the column existed
 *                     (SQLite's {@code ALTER TABLE ADD COLUMN ... DEFAULT}), in the type's contract
 *                     representation ({@link ColumnType#parseDefault}); null when there is none. It travels
 *                     in the schema because such rows get no event: the target gives them this value.
 */
public record Column(String name, ColumnType type, String sourceType, boolean optional, Object defaultValue) {
    public Column(String name, ColumnType type, String sourceType, boolean optional) {
        this(name, type, sourceType, optional, null);
    }

    /** The same column with another type and default (a normalisation). */
    public Column withType(ColumnType newType, Object newDefault) {
        return new Column(name, newType, sourceType, optional, newDefault);
    }
}
