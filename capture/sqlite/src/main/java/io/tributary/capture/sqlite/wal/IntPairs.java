package io.tributary.capture.sqlite.wal;

import java.util.Arrays;

/** A growable list of int pairs without boxing. */
final class IntPairs {
    private int[] a = new int[64];
    private int n;

    void add(int first, int second) {
        if (n + 2 > a.length) {
            a = Arrays.copyOf(a, a.length * 2);
        }
        a[n++] = first;
        a[n++] = second;
    }

    int size() {
        return n / 2;
    }

    int first(int i) {
        return a[2 * i];
    }

    int second(int i) {
        return a[2 * i + 1];
    }
}
