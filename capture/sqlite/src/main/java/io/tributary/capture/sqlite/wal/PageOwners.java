package io.tributary.capture.sqlite.wal;

import java.util.Arrays;
import java.util.BitSet;

/**
 * For every page of a tracked b-tree (tables and {@code sqlite_schema}) as of the last decoded commit: the
 * page that points to it (an interior page, or for an overflow page the b-tree page of its cell), or
 * {@link #ROOT} for a root. Pages of indexes, the freelist and pointer maps are not tracked.
 *
 * <p>This is what makes decoding incremental: a page written by a transaction makes every tracked ancestor
 * "dirty", and any subtree without a dirty page is, page for page, the same before and after.
 */
final class PageOwners {
    static final int ROOT = -1;
    static final int NONE = 0;
    private int[] parent = new int[1024];

    int parent(int pgno) {
        return pgno < parent.length ? parent[pgno] : NONE;
    }

    void set(int pgno, int parentPage) {
        if (pgno >= parent.length) {
            parent = Arrays.copyOf(parent, Math.max(pgno + 1, parent.length * 2));
        }
        parent[pgno] = parentPage;
    }

    void clear(int pgno) {
        if (pgno < parent.length) {
            parent[pgno] = NONE;
        }
    }

    void reset() {
        Arrays.fill(parent, NONE);
    }

    /** The written pages and all their tracked ancestors. */
    BitSet dirty(int[] written) throws WalFormatException {
        BitSet dirty = new BitSet();
        for (int p : written) {
            int q = p;
            for (int steps = 0; q > 0 && !dirty.get(q); steps++) {
                if (steps > 64) {
                    throw new WalFormatException("page ownership cycle at page " + p);
                }
                dirty.set(q);
                q = parent(q);
            }
        }
        return dirty;
    }

    /** Tracked pages as (page, parent) pairs, for comparing two maps in tests. */
    String describe() {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < parent.length; i++) {
            if (parent[i] != NONE) {
                b.append(i).append("<-").append(parent[i]).append(' ');
            }
        }
        return b.toString();
    }
}
