package io.tributary.ops.reconcile;

import java.util.Arrays;

/**
 * A range of keys, lower bound exclusive and upper bound inclusive: {@code lo < key <= hi}. A null bound is
 * open. Each database compares keys in the key's own order (see {@link Side}).
 */
record Range(Bound lo, Bound hi) {
    static final Range ALL = new Range(null, null);

    /**
     * A key that bounds a range: its canonical text per key column ({@link Canonical}, what a PostgreSQL side
     * binds) and, for a key read from a SQLite source, the values as SQLite stores them (what that side binds, so
     * that a key stored as text meaning a time is compared as stored, by its own index). Every bound comes from
     * the source: ranges are cut at source keys.
     */
    record Bound(String[] key, Object[] stored) {
        @Override
        public String toString() {
            return Arrays.toString(key);
        }
    }

    @Override
    public String toString() {
        return "(" + (lo == null ? "-inf" : lo) + ", " + (hi == null ? "+inf" : hi) + "]";
    }
}
