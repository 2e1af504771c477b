package io.tributary.capture.sqlite.wal;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** The parts of the database header (page 1, bytes 0-99) that decoding needs, with the payload-size limits. */
record DbFormat(int pageSize, int usableSize, Charset encoding) {
    static final int HEADER_SIZE = 100;
    private static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    /** Reads the header from page 1 of a view; {@code null} if page 1 is empty (a database with no schema yet). */
    static DbFormat read(byte[] page1) throws WalFormatException {
        boolean empty = true;
        for (int i = 0; i < MAGIC.length; i++) {
            empty &= page1[i] == 0;
        }
        if (empty) {
            return null;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (page1[i] != MAGIC[i]) {
                throw new WalFormatException("page 1 does not start with the SQLite header");
            }
        }
        int raw = ((page1[16] & 0xff) << 8) | (page1[17] & 0xff);
        int pageSize = raw == 1 ? 65536 : raw;
        if (pageSize != page1.length) {
            throw new WalFormatException("database page size " + pageSize + " differs from the WAL's " + page1.length);
        }
        int usable = pageSize - (page1[20] & 0xff);
        if (usable < 480) {
            throw new WalFormatException("usable page size " + usable + " is too small");
        }
        Charset enc = switch (page1[59] & 0xff) {
            case 0, 1 -> StandardCharsets.UTF_8;
            case 2 -> StandardCharsets.UTF_16LE;
            case 3 -> StandardCharsets.UTF_16BE;
            default -> throw new WalFormatException("unknown text encoding " + (page1[59] & 0xff));
        };
        return new DbFormat(pageSize, usable, enc);
    }

    /** Largest payload kept entirely on a b-tree page. */
    int maxLocal(boolean table) {
        return table ? usableSize - 35 : (usableSize - 12) * 64 / 255 - 23;
    }

    int minLocal() {
        return (usableSize - 12) * 32 / 255 - 23;
    }

    /** Bytes of a payload of {@code size} bytes stored on the b-tree page itself (the rest is in overflow pages). */
    int localSize(long size, boolean table) {
        int max = maxLocal(table);
        if (size <= max) {
            return (int) size;
        }
        int min = minLocal();
        long k = min + (size - min) % (usableSize - 4);
        return k <= max ? (int) k : min;
    }
}
