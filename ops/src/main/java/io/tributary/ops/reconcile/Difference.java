package io.tributary.ops.reconcile;

import java.util.List;

/**
 * A row that is not the same on both sides.
 *
 * @param source  the source row, null when the target has a row the source does not ({@link Kind#EXTRA})
 * @param target  the target row, null when the target lacks the row ({@link Kind#MISSING})
 * @param columns the names of the columns whose values differ (all columns when a side lacks the row)
 */
public record Difference(Kind kind, List<String> key, Row source, Row target, List<String> columns) {
    public enum Kind {
        /** In the source, not in the target. */
        MISSING,
        /** In the target, not in the source. */
        EXTRA,
        /** On both sides with different values. */
        CHANGED;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
