package io.tributary.capture.sqlite.wal;

import io.tributary.schemas.event.Op;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The row changes of one committed transaction: for each table it may have changed, the rows reachable from
 * the table's root in the view before the transaction against those in the view after it, by key, delivered
 * one at a time to a {@link ChangeSink} as a merge of the two trees produces them.
 *
 * <p>Exactness argument: a table's rows can differ only if some page of its before-tree (b-tree or overflow)
 * was written, or its schema entry changed; a subtree none of whose pages was written is identical in both
 * views. So a first pass over the before-tree's dirty interior pages (written pages and their ancestors, from
 * {@link PageOwners}) finds its clean subtrees, and a second over the after-tree's interior pages finds which
 * of them the after-tree still references; both sides then skip exactly those, which hold the same rows on
 * both. A clean subtree the after-tree no longer references (e.g. a leaf freed by rebalancing, which is never
 * written to the WAL, its cells moved into written pages) is read in full on the before side, so its rows meet
 * their moved copies (or their absence) in the merge. Tables whose root page changed, and tables created or
 * dropped, are walked in full on the side(s) where they exist.
 *
 * <p>Bounded memory: both trees are read with a {@link TreeCursor} (a root-to-leaf path of pages each) and
 * merged in key order, rowids numerically, WITHOUT ROWID keys by {@link KeyOrder}, so a change is handed on as
 * soon as both cursors have passed its key. Where the events' key is not the b-tree's order (a rowid table keyed
 * by a declared PRIMARY KEY; a WITHOUT ROWID key in a collation or text encoding {@link KeyOrder} does not
 * reproduce) the merged rows are matched by key in a {@link KeyMatcher}, in memory up to {@code spillRows} rows
 * and in a temporary SQLite file beyond. What grows with the transaction is only per page: the page owners'
 * updates (8 bytes per page read) and bit sets of pages.
 *
 * <p>On success the owners map is advanced to the after view. Not guaranteed: a RENAME COLUMN in the same
 * transaction as row changes to that table yields before images with the renamed column at its default
 * (before rows are matched to the after columns by name); renaming a table reports all its rows as deleted
 * under the old name and inserted under the new; a table dropped and created again as WITHOUT ROWID (or the
 * reverse) in one transaction is reported as a delete of every old row, then a create of every new one.
 */
final class TransactionDiffer {
    /** Rows of one table matched by key in memory before {@link KeyMatcher} spills them to disk. */
    static final int SPILL_ROWS = 10_000;
    private static final int MAX_DEPTH = 40;
    private static final Set<String> ORDERED_COLLATIONS = Set.of("BINARY", "NOCASE", "RTRIM");

    private record Work(TableDef before, TableDef after, boolean incremental) {
    }

    private final PageOwners owners;
    private final int spillRows;
    private final Path spillDir;
    private final BitSet removed = new BitSet();
    private final IntPairs added = new IntPairs();

    TransactionDiffer(PageOwners owners, int spillRows, Path spillDir) {
        this.owners = owners;
        this.spillRows = spillRows;
        this.spillDir = spillDir;
    }

    /** Diffs one transaction into {@code out}; returns the schema after it. */
    Schema diff(PageView before, PageView after, Schema schemaBefore, int[] written, ChangeSink out) throws IOException {
        BitSet dirty = owners.dirty(written);
        Schema schemaAfter = dirty.get(1) || schemaBefore.format == null ? Schema.read(after) : schemaBefore;
        BitSet seenBefore = new BitSet();
        BitSet seenAfter = new BitSet();
        for (Work w : affected(schemaBefore, schemaAfter, dirty)) {
            BitSet shared = new BitSet();
            if (w.incremental) {
                BitSet clean = new BitSet();
                cleanRoots(before, w.before, w.before.rootPage, dirty, clean, new BitSet(), 0);
                if (!clean.isEmpty()) {
                    stillReferenced(after, w.after, w.after.rootPage, clean, shared, new BitSet(), 0);
                }
            }
            TreeCursor b = w.before == null ? null : new TreeCursor(before, schemaBefore.format, w.before, PageOwners.ROOT, seenBefore,
                    shared::get, beforePages());
            TreeCursor a = w.after == null ? null : new TreeCursor(after, schemaAfter.format, w.after, PageOwners.ROOT, seenAfter,
                    shared::get, afterPages());
            table(w, b, a, schemaAfter.format != null ? schemaAfter.format : schemaBefore.format, out);
        }
        advanceOwners(schemaBefore, schemaAfter);
        return schemaAfter;
    }

    private static List<Work> affected(Schema before, Schema after, BitSet dirty) {
        TreeSet<String> names = new TreeSet<>(before.tables.keySet());
        names.addAll(after.tables.keySet());
        List<Work> work = new ArrayList<>();
        for (String name : names) {
            TableDef b = before.tables.get(name);
            TableDef a = after.tables.get(name);
            if (b != null && a != null && b.rootPage == a.rootPage && b.withoutRowid == a.withoutRowid) {
                if (dirty.get(b.rootPage)) {
                    work.add(new Work(b, a, true));
                }
            } else {
                work.add(new Work(b, a, false));
            }
        }
        return work;
    }

    /** The clean children of the before-tree's dirty interior pages: the subtrees the transaction did not write. */
    private void cleanRoots(PageView view, TableDef def, int pgno, BitSet dirty, BitSet clean, BitSet seen, int depth) throws IOException {
        BtreePage page = structurePage(view, def, pgno, seen, depth);
        if (page.isLeaf()) {
            return;
        }
        for (int i = 0; i <= page.cellCount; i++) {
            int child = i < page.cellCount ? page.leftChild(page.cellOffset(i)) : page.rightChild();
            if (dirty.get(child)) {
                cleanRoots(view, def, child, dirty, clean, seen, depth + 1);
            } else {
                clean.set(child);
            }
        }
    }

    /** Which of the clean subtrees the after-tree still references: those hold the same rows on both sides. */
    private void stillReferenced(PageView view, TableDef def, int pgno, BitSet clean, BitSet shared, BitSet seen, int depth)
            throws IOException {
        if (clean.get(pgno)) {
            shared.set(pgno);
            return;
        }
        BtreePage page = structurePage(view, def, pgno, seen, depth);
        if (page.isLeaf()) {
            return;
        }
        for (int i = 0; i <= page.cellCount; i++) {
            stillReferenced(view, def, i < page.cellCount ? page.leftChild(page.cellOffset(i)) : page.rightChild(), clean, shared, seen,
                    depth + 1);
        }
    }

    private static BtreePage structurePage(PageView view, TableDef def, int pgno, BitSet seen, int depth) throws IOException {
        if (depth > MAX_DEPTH || seen.get(pgno) || pgno < 1) {
            throw new WalFormatException("page " + pgno + " is reached twice (or the tree is too deep) under root " + def.rootPage + " of " + def.name);
        }
        seen.set(pgno);
        try {
            return new BtreePage(view.page(pgno), pgno);
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new WalFormatException("malformed b-tree page " + pgno + " of " + def.name + ": " + e.getMessage());
        }
    }

    private TreeWalker.Sink beforePages() {
        return new TreeWalker.Sink() {
            @Override
            public void page(int pgno, int parent) {
                removed.set(pgno);
            }
        };
    }

    private TreeWalker.Sink afterPages() {
        return new TreeWalker.Sink() {
            @Override
            public void page(int pgno, int parent) {
                added.add(pgno, parent);
            }

            @Override
            public void pruned(int pgno, int parent) {
                added.add(pgno, parent); // a shared clean subtree: the same pages, perhaps under a new parent
            }
        };
    }

    /** Merges one table's before and after rows into changes (directly, or through a {@link KeyMatcher}). */
    private void table(Work w, TreeCursor b, TreeCursor a, DbFormat format, ChangeSink out) throws IOException {
        TableDef def = w.after != null ? w.after : w.before;
        int[] projection = w.before != null && w.after != null && !w.before.sql.equals(w.after.sql) ? projection(w.before, w.after) : null;
        if (w.before != null && w.after != null && w.before.withoutRowid != w.after.withoutRowid) {
            while (b.next()) {
                out.change(def, new RowChange(Op.DELETE, keyOf(w.before, b.key(), b.values()), list(project(b.values(), projection, def)), null));
            }
            while (a.next()) {
                out.change(def, new RowChange(Op.CREATE, keyOf(w.after, a.key(), a.values()), null, list(a.values())));
            }
            return;
        }
        Side before = new Side(b, projection, def);
        Side after = new Side(a, null, def);
        if (def.withoutRowid && !merges(w, format)) {
            try (KeyMatcher m = new KeyMatcher(def, spillRows, spillDir)) {
                while (before.next()) {
                    m.before(before.row);
                }
                while (after.next()) {
                    m.after(after.row);
                }
                m.drain(c -> out.change(def, c));
            }
            return;
        }
        KeyOrder order = new KeyOrder(def);
        if (def.keyedByDeclaredKey()) {
            try (KeyMatcher m = new KeyMatcher(def, spillRows, spillDir)) {
                merge(before, after, order, new Merged() {
                    @Override
                    public void gone(Object key, Object[] row) throws IOException {
                        m.before(row);
                    }

                    @Override
                    public void came(Object key, Object[] row) throws IOException {
                        m.after(row);
                    }
                });
                m.drain(c -> out.change(def, c));
            }
            return;
        }
        merge(before, after, order, new Merged() {
            @Override
            public void gone(Object key, Object[] row) throws IOException {
                out.change(def, new RowChange(Op.DELETE, keyList(key), list(row), null));
            }

            @Override
            public void came(Object key, Object[] row) throws IOException {
                out.change(def, new RowChange(Op.CREATE, keyList(key), null, list(row)));
            }

            @Override
            public void changed(Object key, Object[] was, Object[] now) throws IOException {
                out.change(def, new RowChange(Op.UPDATE, keyList(key), list(was), list(now)));
            }
        });
    }

    /**
     * Whether a WITHOUT ROWID table's b-tree order is {@link KeyOrder}'s: UTF-8 text, collations KeyOrder knows,
     * and the same key order before and after the transaction.
     */
    private static boolean merges(Work w, DbFormat format) {
        if (format == null || !format.encoding().equals(StandardCharsets.UTF_8)) {
            return false;
        }
        List<String> key = null;
        for (TableDef d : new TableDef[] {w.before, w.after}) {
            if (d == null) {
                continue;
            }
            List<String> k = new ArrayList<>();
            for (int i = 0; i < d.keyColumns.length; i++) {
                ColumnDef c = d.columns.get(d.keyColumns[i]);
                if (!ORDERED_COLLATIONS.contains(c.collation())) {
                    return false;
                }
                k.add(c.name().toLowerCase(java.util.Locale.ROOT) + " " + c.collation() + " " + d.keyDescending[i]);
            }
            if (key != null && !key.equals(k)) {
                return false;
            }
            key = k;
        }
        return true;
    }

    /** What a merge finds, key by key in order. */
    private interface Merged {
        /** A key only before the transaction. */
        void gone(Object key, Object[] row) throws IOException;

        /** A key only after it. */
        void came(Object key, Object[] row) throws IOException;

        /** A key on both sides with other values (by default: gone, then came). */
        default void changed(Object key, Object[] was, Object[] now) throws IOException {
            gone(key, was);
            came(key, now);
        }
    }

    private static void merge(Side b, Side a, KeyOrder order, Merged m) throws IOException {
        boolean hb = b.next(order);
        boolean ha = a.next(order);
        while (hb || ha) {
            int c = !hb ? 1 : !ha ? -1 : order.compare(b.key, a.key);
            if (c < 0) {
                m.gone(b.key, b.row);
                hb = b.next(order);
            } else if (c > 0) {
                m.came(a.key, a.row);
                ha = a.next(order);
            } else {
                if (!b.key.equals(a.key)) {
                    // equal under the key's collation (NOCASE 'a' and 'A') but another key to the events
                    m.gone(b.key, b.row);
                    m.came(a.key, a.row);
                } else if (!Arrays.deepEquals(b.row, a.row)) {
                    m.changed(a.key, b.row, a.row);
                }
                hb = b.next(order);
                ha = a.next(order);
            }
        }
    }

    /** One side of a merge: a cursor (or nothing), its rows projected onto the after columns, its order checked. */
    private static final class Side {
        private final TreeCursor cursor;
        private final int[] projection;
        private final TableDef def;
        Object key;
        Object[] row;

        Side(TreeCursor cursor, int[] projection, TableDef def) {
            this.cursor = cursor;
            this.projection = projection;
            this.def = def;
        }

        boolean next() throws IOException {
            return next(null);
        }

        /** The next row; with {@code order}, checks it comes after the previous one (the merge depends on it). */
        boolean next(KeyOrder order) throws IOException {
            if (cursor == null || !cursor.next()) {
                key = null;
                row = null;
                return false;
            }
            Object previous = key;
            key = cursor.key();
            row = project(cursor.values(), projection, def);
            if (order != null && previous != null && order.compare(previous, key) >= 0) {
                throw new WalFormatException("the rows of table " + cursor.table().name + " are not in the key order the decoder expects (page "
                        + "order of root " + cursor.table().rootPage + "); its key's collation or encoding is not SQLite's built-in one");
            }
            return true;
        }
    }

    private static List<Object> keyOf(TableDef d, Object key, Object[] row) {
        if (d.keyedByDeclaredKey()) {
            Object[] k = new Object[d.primaryKey.length];
            for (int i = 0; i < k.length; i++) {
                k[i] = row[d.primaryKey[i]];
            }
            return list(k);
        }
        return keyList(key);
    }

    private void advanceOwners(Schema before, Schema after) {
        for (int p = removed.nextSetBit(0); p >= 0; p = removed.nextSetBit(p + 1)) {
            owners.clear(p);
        }
        if (after != before) {
            for (int i = 0; i < before.pages.length; i += 2) {
                owners.clear(before.pages[i]);
            }
            for (int i = 0; i < after.pages.length; i += 2) {
                owners.set(after.pages[i], after.pages[i + 1]);
            }
        }
        for (int i = 0; i < added.size(); i++) {
            owners.set(added.first(i), added.second(i));
        }
    }

    /** For each after-column, the before-column of the same name, or -1. */
    private static int[] projection(TableDef before, TableDef after) {
        int[] map = new int[after.columns.size()];
        for (int i = 0; i < map.length; i++) {
            map[i] = before.columnIndex(after.columns.get(i).name());
        }
        return map;
    }

    private static Object[] project(Object[] row, int[] projection, TableDef after) {
        if (row == null || projection == null) {
            return row;
        }
        Object[] out = new Object[projection.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = projection[i] >= 0 ? row[projection[i]] : after.columns.get(i).defaultValue();
        }
        return out;
    }

    private static List<Object> keyList(Object key) {
        return key instanceof RowKey k ? list(k.values) : List.of(key);
    }

    private static List<Object> list(Object[] values) {
        return java.util.Collections.unmodifiableList(Arrays.asList(values));
    }
}
