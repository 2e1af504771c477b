package io.tributary.capture.sqlite.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * SQLite's WAL checksum: two 32-bit sums over 32-bit words read in the given byte order
 * ({@code s0 += x[i] + s1; s1 += x[i+1] + s0}), continuing from a previous pair.
 */
final class WalChecksum {
    private int s0;
    private int s1;

    WalChecksum(int s0, int s1) {
        this.s0 = s0;
        this.s1 = s1;
    }

    /** Adds {@code len} bytes (a multiple of 8) starting at {@code off}. */
    void add(ByteBuffer buf, int off, int len, ByteOrder order) {
        ByteBuffer b = buf.duplicate().order(order);
        int a = s0;
        int c = s1;
        for (int i = off, end = off + len; i < end; i += 8) {
            a += b.getInt(i) + c;
            c += b.getInt(i + 4) + a;
        }
        s0 = a;
        s1 = c;
    }

    int s0() {
        return s0;
    }

    int s1() {
        return s1;
    }
}
