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
    private final BitSet seen = new BitSet();
    private final CellReader cells;

    TreeWalker(PageView view, DbFormat format) {
        this.view = view;
        this.cells = new CellReader(view, format, seen);
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
                cells.read(page, off, def, sink);
            }
        }
        if (!page.isLeaf()) {
            visit(page.rightChild(), pgno, tableTree, def, filter, sink, depth + 1);
        }
    }
}
