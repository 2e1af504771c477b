package io.tributary.capture.sqlite.wal;

import java.io.IOException;
import java.util.BitSet;
import java.util.function.IntPredicate;

/**
 * One table's rows in one {@link PageView}, one at a time in b-tree order (rowid order, or the key order of a
 * WITHOUT ROWID table), for a merge of two trees: it holds the path from the root to the current cell, so its
 * memory is the tree's depth in pages, never the table's rows (what {@link TreeWalker} would collect).
 *
 * <p>Subtrees the {@code prune} predicate names are skipped (reported to {@link TreeWalker.Sink#pruned});
 * every page read (b-tree and overflow) is reported to {@link TreeWalker.Sink#page} with the page that points
 * to it. A page reached twice (in {@code seen}, shared by the cursors of one view), a wrong page type, or a
 * tree deeper than SQLite builds is a {@link WalFormatException}.
 */
final class TreeCursor {
    private static final int MAX_DEPTH = 40;

    private final PageView view;
    private final TableDef def;
    private final BitSet seen;
    private final IntPredicate prune;
    private final TreeWalker.Sink pages;
    private final CellReader cells;
    private final BtreePage[] stack = new BtreePage[MAX_DEPTH + 1];
    private final int[] next = new int[MAX_DEPTH + 1];
    private int depth = -1;
    private int root;
    private final int rootParent;
    private Object key;
    private Object[] values;

    TreeCursor(PageView view, DbFormat format, TableDef def, int rootParent, BitSet seen, IntPredicate prune, TreeWalker.Sink pages) {
        this.view = view;
        this.def = def;
        this.root = def.rootPage;
        this.rootParent = rootParent;
        this.seen = seen;
        this.prune = prune;
        this.pages = pages;
        this.cells = new CellReader(view, format, seen);
    }

    /** The current row's key: the rowid ({@link Long}) or a {@link RowKey}. */
    Object key() {
        return key;
    }

    /** The current row's values, in the order of the table's columns. */
    Object[] values() {
        return values;
    }

    TableDef table() {
        return def;
    }

    /** Moves to the next row; false when there is none. */
    boolean next() throws IOException {
        try {
            return advance();
        } catch (ArrayIndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new WalFormatException("malformed b-tree page under root " + def.rootPage + " of " + def.name + ": " + e.getMessage());
        }
    }

    private boolean advance() throws IOException {
        if (root != 0) {
            int r = root;
            root = 0;
            descend(r, rootParent);
        }
        while (depth >= 0) {
            BtreePage p = stack[depth];
            int i = next[depth]++;
            if (p.isLeaf()) {
                if (i < p.cellCount) {
                    cell(p, p.cellOffset(i));
                    return true;
                }
                depth--;
            } else if (i < 2 * p.cellCount) {
                int off = p.cellOffset(i >> 1);
                if ((i & 1) == 0) {
                    descend(p.leftChild(off), p.pgno);
                } else if (p.hasPayload()) {
                    cell(p, off + 4); // WITHOUT ROWID trees keep rows in interior cells too
                    return true;
                }
            } else if (i == 2 * p.cellCount) {
                descend(p.rightChild(), p.pgno);
            } else {
                depth--;
            }
        }
        return false;
    }

    private void descend(int pgno, int parent) throws IOException {
        if (prune.test(pgno)) {
            pages.pruned(pgno, parent);
            return;
        }
        if (depth + 1 > MAX_DEPTH || seen.get(pgno)) {
            throw new WalFormatException("page " + pgno + " is reached twice (or the tree is too deep) under root " + def.rootPage + " of " + def.name);
        }
        seen.set(pgno);
        pages.page(pgno, parent);
        BtreePage page = new BtreePage(view.page(pgno), pgno);
        if (page.isTable() == def.withoutRowid) {
            throw new WalFormatException("page " + pgno + " has type " + page.type + " in the " + (def.withoutRowid ? "index" : "table")
                    + " tree of " + def.name);
        }
        stack[++depth] = page;
        next[depth] = 0;
    }

    private void cell(BtreePage page, int off) throws IOException {
        cells.read(page, off, def, current);
    }

    /** Takes the row a cell holds as the current one; overflow pages go on to {@code pages}. */
    private final TreeWalker.Sink current = new TreeWalker.Sink() {
        @Override
        public void page(int pgno, int parentPage) {
            pages.page(pgno, parentPage);
        }

        @Override
        public void row(Object k, Object[] v) {
            key = k;
            values = v;
        }
    };
}
