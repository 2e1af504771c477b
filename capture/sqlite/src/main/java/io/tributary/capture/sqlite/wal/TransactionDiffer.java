package io.tributary.capture.sqlite.wal;

import io.tributary.schemas.event.Op;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The row changes of one committed transaction: for each table it may have changed, the rows reachable from
 * the table's root in the view before the transaction against those in the view after it, by key.
 *
 * <p>Exactness argument: a table's rows can differ only if some page of its before-tree (b-tree or overflow)
 * was written, or its schema entry changed; a subtree none of whose pages was written is identical in both
 * views. So the before walk reads only dirty pages (written pages and their ancestors, from
 * {@link PageOwners}) and prunes clean subtrees; the after walk reads everything except those same clean
 * subtrees; a clean subtree that the after-tree no longer references (e.g. a leaf freed by rebalancing,
 * which is never written to the WAL) is then read in full as "before" rows. Tables whose root page changed,
 * and tables created or dropped, are walked in full on the side(s) where they exist.
 *
 * <p>On success the owners map is advanced to the after view. Not guaranteed: a RENAME COLUMN in the same
 * transaction as row changes to that table yields before images with the renamed column at its default
 * (before rows are matched to the after columns by name); renaming a table reports all its rows as deleted
 * under the old name and inserted under the new.
 */
final class TransactionDiffer {
    record Result(Schema schema, List<TableChanges> tables) {
    }

    private static final class Work {
        final TableDef before;
        final TableDef after;
        final boolean incremental;
        final Map<Object, Object[]> beforeRows = new HashMap<>();
        final List<Object> afterKeys = new ArrayList<>();
        final List<Object[]> afterRows = new ArrayList<>();

        Work(TableDef before, TableDef after, boolean incremental) {
            this.before = before;
            this.after = after;
            this.incremental = incremental;
        }
    }

    private final PageOwners owners;
    private final IntPairs removed = new IntPairs();
    private final IntPairs added = new IntPairs();

    TransactionDiffer(PageOwners owners) {
        this.owners = owners;
    }

    Result diff(PageView before, PageView after, Schema schemaBefore, int[] written) throws IOException {
        BitSet dirty = owners.dirty(written);
        Schema schemaAfter = dirty.get(1) || schemaBefore.format == null ? Schema.read(after) : schemaBefore;
        List<Work> work = affected(schemaBefore, schemaAfter, dirty);
        Map<Integer, Work> cleanRoots = new HashMap<>();
        TreeWalker bw = schemaBefore.format == null ? null : new TreeWalker(before, schemaBefore.format);
        for (Work w : work) {
            if (w.before != null) {
                bw.walk(w.before.rootPage, PageOwners.ROOT, !w.before.withoutRowid, w.before,
                        w.incremental ? dirty::get : p -> true, beforeSink(w, cleanRoots));
            }
        }
        TreeWalker aw = schemaAfter.format == null ? null : new TreeWalker(after, schemaAfter.format);
        for (Work w : work) {
            if (w.after != null) {
                aw.walk(w.after.rootPage, PageOwners.ROOT, !w.after.withoutRowid, w.after, p -> cleanRoots.get(p) != w,
                        afterSink(w, cleanRoots));
            }
        }
        for (Map.Entry<Integer, Work> gone : cleanRoots.entrySet()) {
            Work w = gone.getValue();
            bw.walk(gone.getKey(), PageOwners.NONE, !w.before.withoutRowid, w.before, p -> true, beforeSink(w, null));
        }
        advanceOwners(schemaBefore, schemaAfter);
        List<TableChanges> out = new ArrayList<>();
        for (Work w : work) {
            TableChanges c = changes(w);
            if (c != null) {
                out.add(c);
            }
        }
        return new Result(schemaAfter, List.copyOf(out));
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

    private TreeWalker.Sink beforeSink(Work w, Map<Integer, Work> cleanRoots) {
        return new TreeWalker.Sink() {
            @Override
            public void page(int pgno, int parent) {
                removed.add(pgno, parent);
            }

            @Override
            public void pruned(int pgno, int parent) {
                cleanRoots.put(pgno, w);
            }

            @Override
            public void row(Object key, Object[] values) {
                w.beforeRows.put(key, values);
            }
        };
    }

    private TreeWalker.Sink afterSink(Work w, Map<Integer, Work> cleanRoots) {
        return new TreeWalker.Sink() {
            @Override
            public void page(int pgno, int parent) {
                added.add(pgno, parent);
            }

            @Override
            public void pruned(int pgno, int parent) {
                cleanRoots.remove(pgno);
                added.add(pgno, parent);
            }

            @Override
            public void row(Object key, Object[] values) {
                w.afterKeys.add(key);
                w.afterRows.add(values);
            }
        };
    }

    private void advanceOwners(Schema before, Schema after) {
        for (int i = 0; i < removed.size(); i++) {
            owners.clear(removed.first(i));
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

    private static TableChanges changes(Work w) {
        TableDef def = w.after != null ? w.after : w.before;
        int[] projection = w.before != null && w.after != null && !w.before.sql.equals(w.after.sql)
                ? projection(w.before, w.after) : null;
        List<Object> keys = new ArrayList<>();
        List<RowChange> changes = new ArrayList<>();
        for (int i = 0; i < w.afterKeys.size(); i++) {
            Object key = w.afterKeys.get(i);
            Object[] now = w.afterRows.get(i);
            Object[] was = project(w.beforeRows.remove(key), projection, def);
            if (was == null) {
                keys.add(key);
                changes.add(new RowChange(Op.CREATE, keyList(key), null, list(now)));
            } else if (!Arrays.deepEquals(was, now)) {
                keys.add(key);
                changes.add(new RowChange(Op.UPDATE, keyList(key), list(was), list(now)));
            }
        }
        for (Map.Entry<Object, Object[]> gone : w.beforeRows.entrySet()) {
            keys.add(gone.getKey());
            changes.add(new RowChange(Op.DELETE, keyList(gone.getKey()), list(project(gone.getValue(), projection, def)), null));
        }
        if (def.keyedByDeclaredKey()) {
            changes = byDeclaredKey(def, changes);
        }
        if (changes.isEmpty()) {
            return null;
        }
        return new TableChanges(def, def.keyedByDeclaredKey() ? List.copyOf(changes) : sorted(keys, changes, new KeyOrder(def)));
    }

    /**
     * The changes of a rowid table with a declared key, matched by that key instead of the rowid: the rows
     * the transaction touched, before and after, each set unique by the declared key (untouched rows keep
     * theirs, so a key in only one set was free in the other state). A key in both with other values is an
     * update, in the before set only a delete, in the after set only a create; the same values under another
     * rowid are no change. Deletes come first, then updates, then creates; every key appears at most once,
     * so applying them in order turns the before state into the after state by key.
     *
     * <p>Not guaranteed: SQLite lets a non-INTEGER PRIMARY KEY hold NULL (several rows even); such rows cannot
     * be told apart by key and the contract refuses a null key anyway.
     */
    private static List<RowChange> byDeclaredKey(TableDef def, List<RowChange> byRowid) {
        Map<RowKey, List<Object>> before = new java.util.LinkedHashMap<>();
        Map<RowKey, List<Object>> after = new java.util.LinkedHashMap<>();
        for (RowChange rc : byRowid) {
            if (rc.before() != null) {
                before.put(declaredKey(def, rc.before()), rc.before());
            }
            if (rc.after() != null) {
                after.put(declaredKey(def, rc.after()), rc.after());
            }
        }
        List<RowChange> deletes = new ArrayList<>();
        List<RowChange> updates = new ArrayList<>();
        List<RowChange> creates = new ArrayList<>();
        for (Map.Entry<RowKey, List<Object>> b : before.entrySet()) {
            List<Object> now = after.remove(b.getKey());
            if (now == null) {
                deletes.add(new RowChange(Op.DELETE, list(b.getKey().values), b.getValue(), null));
            } else if (!Arrays.deepEquals(b.getValue().toArray(), now.toArray())) {
                updates.add(new RowChange(Op.UPDATE, list(b.getKey().values), b.getValue(), now));
            }
        }
        for (Map.Entry<RowKey, List<Object>> a : after.entrySet()) {
            creates.add(new RowChange(Op.CREATE, list(a.getKey().values), null, a.getValue()));
        }
        deletes.addAll(updates);
        deletes.addAll(creates);
        return deletes;
    }

    private static RowKey declaredKey(TableDef def, List<Object> row) {
        Object[] key = new Object[def.primaryKey.length];
        for (int i = 0; i < key.length; i++) {
            key[i] = row.get(def.primaryKey[i]);
        }
        return new RowKey(key);
    }

    private static List<RowChange> sorted(List<Object> keys, List<RowChange> changes, KeyOrder order) {
        boolean inOrder = true;
        for (int i = 1; i < keys.size() && inOrder; i++) {
            inOrder = order.compare(keys.get(i - 1), keys.get(i)) < 0;
        }
        if (inOrder) {
            return List.copyOf(changes);
        }
        Integer[] idx = new Integer[keys.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (x, y) -> order.compare(keys.get(x), keys.get(y)));
        RowChange[] out = new RowChange[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = changes.get(idx[i]);
        }
        return List.of(out);
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
