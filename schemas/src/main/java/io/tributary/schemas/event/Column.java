package io.tributary.schemas.event;

/**
 * One column of a captured table.
 *
 * @param sourceType the type as the source declared it (e.g. {@code numeric(12,4)}, {@code BOOLEAN},
 *                   {@code DATETIME}); informational, used to create and check target columns
 * @param optional   whether the column may be NULL
 */
public record Column(String name, ColumnType type, String sourceType, boolean optional) {
}
