package io.tributary.capture.sqlite.wal;

import java.io.IOException;
import java.util.BitSet;

/**
 * Reads one b-tree cell: its payload (following the overflow chain, each overflow page reported with the
 * page of its cell) and, when a table definition is given, the row it holds. Shared by {@link TreeWalker}
 * and {@link TreeCursor}, so that both read cells and detect broken chains alike; {@code seen} is the
 * caller's set of pages already read, so a page reached twice is a {@link WalFormatException}.
 */
final class CellReader {
    private final PageView view;
    private final DbFormat format;
    private final BitSet seen;

    CellReader(PageView view, DbFormat format, BitSet seen) {
        this.view = view;
        this.format = format;
        this.seen = seen;
    }

    /** Reads the cell at {@code off} (after any child pointer) of {@code page}; the row goes to {@code sink} when {@code def} is set. */
    void read(BtreePage page, int off, TableDef def, TreeWalker.Sink sink) throws IOException {
        byte[] b = page.data;
        long size = Varint.read(b, off);
        off += Varint.length(b, off);
        long rowid = 0;
        if (page.isTable()) {
            rowid = Varint.read(b, off);
            off += Varint.length(b, off);
        }
        if (size < 0 || size > Integer.MAX_VALUE - 8) {
            throw new WalFormatException("payload of " + size + " bytes on page " + page.pgno);
        }
        int local = format.localSize(size, page.isTable());
        if (off + local + (local < size ? 4 : 0) > format.usableSize()) {
            throw new WalFormatException("cell overruns page " + page.pgno);
        }
        if (local == size) {
            if (def != null) {
                row(def, rowid, b, off, local, sink);
            }
            return;
        }
        byte[] payload = def == null ? null : new byte[(int) size];
        if (payload != null) {
            System.arraycopy(b, off, payload, 0, local);
        }
        overflow(BtreePage.u32(b, off + local), page.pgno, payload, local, (int) size, sink);
        if (def != null) {
            row(def, rowid, payload, 0, payload.length, sink);
        }
    }

    /** Follows an overflow chain, copying into {@code payload} when it is not null. */
    private void overflow(int first, int cellPage, byte[] payload, int have, int size, TreeWalker.Sink sink) throws IOException {
        int chunk = format.usableSize() - 4;
        int ov = first;
        for (int done = have; done < size; done += chunk) {
            if (ov < 1 || seen.get(ov)) {
                throw new WalFormatException("broken overflow chain at page " + ov + " (cell on page " + cellPage + ")");
            }
            seen.set(ov);
            sink.page(ov, cellPage);
            if (payload == null && done + chunk >= size) {
                return;
            }
            byte[] p = view.page(ov);
            if (payload != null) {
                System.arraycopy(p, 4, payload, done, Math.min(chunk, size - done));
            }
            ov = BtreePage.u32(p, 0);
        }
    }

    private void row(TableDef def, long rowid, byte[] b, int off, int len, TreeWalker.Sink sink) throws WalFormatException {
        Object[] values = RecordDecoder.decode(b, off, len, def, rowid, format.encoding());
        if (def.withoutRowid) {
            Object[] key = new Object[def.keyColumns.length];
            for (int i = 0; i < key.length; i++) {
                key[i] = values[def.keyColumns[i]];
            }
            sink.row(new RowKey(key), values);
        } else {
            sink.row(rowid, values);
        }
    }
}
