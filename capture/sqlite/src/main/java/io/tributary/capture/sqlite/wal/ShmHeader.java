package io.tributary.capture.sqlite.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * The wal-index header at the start of the {@code -shm} file, read without taking SQLite's locks.
 *
 * <p>Layout (native byte order, two 48-byte copies at 0 and 48): iVersion, unused, iChange, isInit,
 * bigEndCksum, szPage, mxFrame (offset 16), nPage, aFrameCksum[2], aSalt[2] (raw WAL-header bytes), aCksum[2]
 * over the first 40 bytes; then the checkpoint info at 96, whose nBackfillAttempted is at 128.
 *
 * <p>A header is accepted only when both copies are identical, initialised and their checksum holds, which
 * is how SQLite's own lock-free readers tell a torn read from a stable one. Assumes the writer runs on this
 * machine (the shm is in native byte order and is never shared across hosts).
 */
record ShmHeader(int mxFrame, int salt1, int salt2, int nBackfill, int nBackfillAttempted) {
    static final int VERSION = 3007000;
    private static final int SIZE = 136;
    private static final int ATTEMPTS = 200;

    /** The stable header, or {@code null} if there is none (no or short shm file, or it stayed torn). */
    static ShmHeader read(FileChannel shm) throws IOException, InterruptedException {
        ByteBuffer buf = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            buf.clear();
            while (buf.hasRemaining()) {
                if (shm.read(buf, buf.position()) < 0) {
                    return null;
                }
            }
            ShmHeader h = parse(buf);
            if (h != null) {
                return h;
            }
            Thread.sleep(attempt < 10 ? 0 : 1);
        }
        return null;
    }

    private static ShmHeader parse(ByteBuffer b) throws WalFormatException {
        byte[] raw = b.array();
        if (!Arrays.equals(raw, 0, 48, raw, 48, 96) || raw[12] == 0) {
            return null;
        }
        if (b.getInt(0) != VERSION) {
            throw new WalFormatException("unsupported wal-index version " + b.getInt(0));
        }
        WalChecksum ck = new WalChecksum(0, 0);
        ck.add(b, 0, 40, ByteOrder.nativeOrder());
        if (ck.s0() != b.getInt(40) || ck.s1() != b.getInt(44)) {
            return null;
        }
        ByteBuffer be = ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN);
        return new ShmHeader(b.getInt(16), be.getInt(32), be.getInt(36), b.getInt(96), b.getInt(128));
    }
}
