package io.tributary.capture.sqlite.wal;

/**
 * One b-tree page: header, cell pointers and cell fields. Reads a page image; never follows pointers.
 * Bounds are checked against the page so that a corrupt or misidentified page fails with
 * {@link WalFormatException} rather than a wrong value.
 */
final class BtreePage {
    static final int INDEX_INTERIOR = 0x02;
    static final int TABLE_INTERIOR = 0x05;
    static final int INDEX_LEAF = 0x0A;
    static final int TABLE_LEAF = 0x0D;

    final byte[] data;
    final int pgno;
    final int type;
    final int cellCount;
    private final int cellPointers;

    BtreePage(byte[] data, int pgno) throws WalFormatException {
        this.data = data;
        this.pgno = pgno;
        int hdr = pgno == 1 ? DbFormat.HEADER_SIZE : 0;
        this.type = data[hdr] & 0xff;
        if (type != INDEX_INTERIOR && type != TABLE_INTERIOR && type != INDEX_LEAF && type != TABLE_LEAF) {
            throw new WalFormatException("page " + pgno + " is not a b-tree page (type " + type + ")");
        }
        this.cellCount = u16(data, hdr + 3);
        this.cellPointers = hdr + (isLeaf() ? 8 : 12);
        if (cellPointers + 2 * cellCount > data.length) {
            throw new WalFormatException("page " + pgno + " claims " + cellCount + " cells");
        }
    }

    boolean isLeaf() {
        return type == TABLE_LEAF || type == INDEX_LEAF;
    }

    boolean isTable() {
        return type == TABLE_LEAF || type == TABLE_INTERIOR;
    }

    /** Rows are stored in table leaf cells and in every index cell (leaf and interior). */
    boolean hasPayload() {
        return type != TABLE_INTERIOR;
    }

    int rightChild() {
        return u32(data, cellPointers - 4);
    }

    int cellOffset(int i) throws WalFormatException {
        int off = u16(data, cellPointers + 2 * i);
        if (off < cellPointers || off >= data.length) {
            throw new WalFormatException("page " + pgno + " cell " + i + " points outside the page");
        }
        return off;
    }

    /** Left child pointer of an interior cell. */
    int leftChild(int cellOffset) {
        return u32(data, cellOffset);
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    static int u32(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }
}
