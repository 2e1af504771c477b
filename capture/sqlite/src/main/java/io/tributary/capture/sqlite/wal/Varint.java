package io.tributary.capture.sqlite.wal;

/**
 * SQLite's big-endian variable-length integer: 1 to 9 bytes, the ninth contributing all 8 bits.
 * {@link #read} returns the value; {@link #length} the number of bytes it occupies.
 */
final class Varint {
    private Varint() {
    }

    static long read(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            int x = b[off + i] & 0xff;
            v = (v << 7) | (x & 0x7f);
            if (x < 0x80) {
                return v;
            }
        }
        return (v << 8) | (b[off + 8] & 0xff);
    }

    static int length(byte[] b, int off) {
        for (int i = 0; i < 8; i++) {
            if ((b[off + i] & 0x80) == 0) {
                return i + 1;
            }
        }
        return 9;
    }
}
