package io.tributary.capture.sqlite.wal;

import java.io.IOException;
import java.util.BitSet;

/**
 * Walks one table's b-tree in one {@link PageView}, in key order, reporting every page it reads (b-tree
 * and overflow pages, each with the page that points to it) and, when decoding, every row.
 *
 * <p>A {@link Filter} can prune subtrees; pruned subtrees are reported, not read. Rows come from table
 * leaf cells (rowid tables) or from every cell of an index tree (WITHOUT ROWID tables keep whole rows in
 * interior cells too). Reading a page twice within one walker, a wrong page type, or a broken overflow
 * chain is reported as {@link WalFormatException}: the view is not a consistent database.
 */
final class TreeWalker {
    private static final int MAX_DEPTH = 40;

    interface Filter {
        /** Whether to read the subtree rooted at {@code pgno}. */
        boolean read(int pgno);
    }

    interface Sink {
        /** A page read: a b-tree page (parent = the interior page or {@link PageOwners#ROOT}) or an overflow page. */
        void page(int pgno, int parent);

        /** A subtree pruned by the filter. */
        default void pruned(int pgno, int parent) {
        }

        /** A row: key is the rowid ({@link Long}) or a {@link RowKey}. Only called when decoding. */
        default void row(Object key, Object[] values) {
        }
    }

    private final PageView view;
    private final DbFormat format;
    private final BitSet seen = new BitSet();

    TreeWalker(PageView view, DbFormat format) {
        this.view = view;
        this.format = format;
    }

    /** Walks the tree at {@code root}; {@code def} null means structure only (no rows decoded). */
    void walk(int root, int rootParent, boolean tableTree, TableDef def, Filter filter, Sink sink) throws IOException {
        try {
            visit(root, rootParent, tableTree, def, filter, sink, 0);
        } catch (ArrayIndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new WalFormatException("malformed b-tree page under root " + root + ": " + e.getMessage());
        }
    }

    private void visit(int pgno, int parent, boolean tableTree, TableDef def, Filter filter, Sink sink, int depth)
            throws IOException {
        if (!filter.read(pgno)) {
            sink.pruned(pgno, parent);
            return;
        }
        if (depth > MAX_DEPTH || seen.get(pgno)) {
            throw new WalFormatException("page " + pgno + " is reached twice (or the tree is too deep)");
        }
        seen.set(pgno);
        sink.page(pgno, parent);
        BtreePage page = new BtreePage(view.page(pgno), pgno);
        if (page.isTable() != tableTree) {
            throw new WalFormatException("page " + pgno + " has type " + page.type + " in a "
                    + (tableTree ? "table" : "index") + " tree");
        }
        for (int i = 0; i < page.cellCount; i++) {
            int off = page.cellOffset(i);
            if (!page.isLeaf()) {
                visit(page.leftChild(off), pgno, tableTree, def, filter, sink, depth + 1);
                off += 4;
            }
            if (page.hasPayload()) {
                cell(page, off, def, sink);
            }
        }
        if (!page.isLeaf()) {
            visit(page.rightChild(), pgno, tableTree, def, filter, sink, depth + 1);
        }
    }

    private void cell(BtreePage page, int off, TableDef def, Sink sink) throws IOException {
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
    private void overflow(int first, int cellPage, byte[] payload, int have, int size, Sink sink) throws IOException {
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

    private void row(TableDef def, long rowid, byte[] b, int off, int len, Sink sink) throws WalFormatException {
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
