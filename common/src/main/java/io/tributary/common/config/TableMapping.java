package io.tributary.common.config;

import io.tributary.schemas.event.TableRef;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code services[].options.<table>}: the service's own shape of a captured table. The transform applies it,
 * so the service topic and the target carry the target table's name ({@code targetTable}), the columns
 * renamed ({@code rename}: source name to target name), without the left-out columns ({@code exclude}, source
 * names) and keyed by {@code key} (target names; empty: the source's primary key, renamed).
 *
 * <p>What the pipeline file alone can prove is checked when it is read (the key is not left out, names do not
 * collide); that the columns exist and that the new key is unique and non-null in the source is checked by
 * the transform at start, against the source. Not guaranteed: a new key that is unique at start but not
 * enforced by a unique constraint in the source can stop being unique later; two source rows would then
 * share one target row.
 */
public record TableMapping(TableRef source, String targetTable, Map<String, String> rename, List<String> exclude, List<String> key) {
    public TableMapping {
        rename = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rename)); // in the file's order, for messages
        exclude = List.copyOf(exclude);
        key = List.copyOf(key);
    }

    /** Whether the table keeps the source's primary key (renamed) rather than a key of its own. */
    public boolean keepsSourceKey() {
        return key.isEmpty();
    }

    /** The target name of a source column, or empty when the column is left out. */
    public Optional<String> targetColumn(String sourceColumn) {
        if (exclude.contains(sourceColumn)) {
            return Optional.empty();
        }
        return Optional.of(rename.getOrDefault(sourceColumn, sourceColumn));
    }

    /** The source column a target column is read from (the inverse of {@link #rename}). */
    public String sourceColumn(String targetColumn) {
        return rename.entrySet().stream().filter(e -> e.getValue().equals(targetColumn)).map(Map.Entry::getKey).findFirst()
                .orElse(rename.containsKey(targetColumn) ? null : targetColumn);
    }

    /** The source columns of the declared key ({@link #key} read through the renames). */
    public List<String> keySourceColumns() {
        return key.stream().map(this::sourceColumn).toList();
    }

    /**
     * What makes this mapping impossible for a source table of these columns and primary key: a renamed, left-out
     * or key column it lacks, a source key column left out while the key is kept, two columns under one target
     * name. Empty when it fits. Each problem names the column and the fix.
     */
    public List<String> problemsWith(List<String> columns, List<String> primaryKey) {
        List<String> problems = new java.util.ArrayList<>();
        java.util.function.BiConsumer<String, String> missing = (what, c) -> {
            if (!columns.contains(c)) {
                problems.add(what + " column '" + c + "' is not a column of " + source.qualifiedName() + " (it has " + columns + ")");
            }
        };
        rename.keySet().forEach(c -> missing.accept("renamed", c));
        exclude.forEach(c -> missing.accept("left-out", c));
        keySourceColumns().stream().filter(java.util.Objects::nonNull).forEach(c -> missing.accept("key", c));
        if (keepsSourceKey()) {
            primaryKey.stream().filter(exclude::contains).forEach(c -> problems.add("the source key column '" + c
                    + "' is left out while the table keeps the source's key: keep it, or declare key: [...]"));
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String c : columns) {
            targetColumn(c).filter(name -> !names.add(name)).ifPresent(name -> problems.add("two columns would be named '" + name
                    + "' in " + targetTable + ": rename or leave out one of them"));
        }
        return problems;
    }
}
