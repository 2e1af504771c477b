package io.tributary.ops.reconcile;

import java.util.Arrays;

/**
 * A range of keys, lower bound exclusive and upper bound inclusive: {@code lo < key <= hi}. A null bound is
 * open. Keys are the canonical texts of the key columns ({@link Canonical}), compared by each database in
 * the key's order (see {@link Side}).
 */
record Range(String[] lo, String[] hi) {
    static final Range ALL = new Range(null, null);

    @Override
    public String toString() {
        return "(" + (lo == null ? "-inf" : Arrays.toString(lo)) + ", " + (hi == null ? "+inf" : Arrays.toString(hi)) + "]";
    }
}
