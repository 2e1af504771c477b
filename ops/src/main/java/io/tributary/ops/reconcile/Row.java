package io.tributary.ops.reconcile;

/**
 * One row as a comparison sees it: the canonical value of every compared column ({@link Canonical}), and its
 * key's; {@code storedKey} holds the key as a SQLite source stores it (null from PostgreSQL).
 */
public record Row(String[] key, String[] values, Object[] storedKey) {
    public Row(String[] key, String[] values) {
        this(key, values, null);
    }

    /** The key as one text, for matching rows of the two sides. */
    public String keyText() {
        return key.length == 1 ? String.valueOf(key[0]) : String.join("\u001f", key);
    }

    /** The value of column {@code i} for a person: NULL spelled out, a source value the transform could not convert said so. */
    public String display(int i) {
        return Canonical.display(values[i]);
    }

    Range.Bound bound() {
        return new Range.Bound(key, storedKey);
    }
}
