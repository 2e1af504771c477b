package io.tributary.ops.reconcile;

/**
 * The checksum of a set of rows: how many there are and the sum (modulo 2^64) of their 64-bit row hashes.
 * Order does not matter and it is additive, so the digest of half a key range is the whole range's minus the
 * other half's. Two sets with equal digests hold the same rows, except with probability about 2^-64 per
 * comparison.
 */
record Digest(long rows, long sum) {
    static final Digest EMPTY = new Digest(0, 0);

    Digest plus(long rowHash) {
        return new Digest(rows + 1, sum + rowHash);
    }

    Digest minus(Digest other) {
        return new Digest(rows - other.rows, sum - other.sum);
    }

    /** A mutable digest for streaming: no object per row. */
    static final class Builder {
        private long rows;
        private long sum;

        void add(long rowHash) {
            rows++;
            sum += rowHash;
        }

        Digest build() {
            return new Digest(rows, sum);
        }
    }

    /**
     * The 64-bit hash of one row's canonical values (in column order; null distinct from every text):
     * FNV-1a over the characters, then the SplitMix64 finaliser so that small differences spread over all bits.
     * Both sides are hashed by this one function, so it needs to be stable only within one run.
     */
    static long rowHash(String[] values) {
        long h = 0xcbf29ce484222325L;
        for (String v : values) {
            if (v == null) {
                h = (h ^ 0x1_0000) * 0x100000001b3L; // outside the char range: NULL is not any text
            } else {
                for (int i = 0; i < v.length(); i++) {
                    h = (h ^ v.charAt(i)) * 0x100000001b3L;
                }
            }
            h = (h ^ 0x1_0001) * 0x100000001b3L; // separator, also outside the char range
        }
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
