package io.tributary.schemas.event;

/**
 * One column of a captured table.
 *
 * @param type           the contract type its values travel as
 * @param sourceType     the type as the source declared it (e.g. {@code numeric(12,4)}, {@code BOOLEAN},
 *                       {@code DATETIME}); informational, used to create and check target columns
 * @param optional       whether the column may be NULL
 * @param defaultValue   the value a row has for this column when it was written before the column existed
 *                       (SQLite's {@code ALTER TABLE ADD COLUMN ... DEFAULT}), in the type's contract
 *                       representation ({@link ColumnType#parseDefault}); null when there is none. It travels
 *                       in the schema because such rows get no event: the target gives them this value.
 * @param normalizedType the type the values mean where the source stores them in another one, decided by the
 *                       capture from the declared type (SQLite: a {@code BOOLEAN} column stores 0/1 and travels
 *                       as INT64 with normalizedType BOOLEAN; {@code DATETIME} text as TEXT with TIMESTAMPTZ);
 *                       null when the values already are of {@code type}. The transform converts such columns
 *                       ({@link Conversions}) and clears it.
 */
public record Column(String name, ColumnType type, String sourceType, boolean optional, Object defaultValue,
                     ColumnType normalizedType) {
    public Column {
        if (normalizedType == type) {
            normalizedType = null;
        }
    }

    public Column(String name, ColumnType type, String sourceType, boolean optional, Object defaultValue) {
        this(name, type, sourceType, optional, defaultValue, null);
    }

    public Column(String name, ColumnType type, String sourceType, boolean optional) {
        this(name, type, sourceType, optional, null, null);
    }

    /** The same column with another default value. */
    public Column withDefault(Object newDefault) {
        return new Column(name, type, sourceType, optional, newDefault, normalizedType);
    }

    /** The same column whose values are now of {@code newType} (a normalisation): nothing left to normalise. */
    public Column normalizedTo(ColumnType newType, Object newDefault) {
        return new Column(name, newType, sourceType, optional, newDefault, null);
    }

    /** The same column, declared to mean {@code meaning} while it travels as {@link #type()}. */
    public Column meaning(ColumnType meaning) {
        return new Column(name, type, sourceType, optional, defaultValue, meaning);
    }
}
