package io.tributary.ops.reconcile;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The differing rows one table's comparison found. The first {@code cap} are held, with both rows, to be
 * re-checked ({@link #recheck}) and shown; past the cap they are only counted, by kind, and cannot be
 * re-checked (so a table with that many differences is reported with those counted "unsettled"). Memory is
 * therefore bounded by the cap, whatever the table's size.
 */
final class Differences {
    private static final int RECHECK_BATCH = 200;
    private final TablePlan plan;
    private final int cap;
    private final List<Difference> held = new ArrayList<>();
    private final long[] overflow = new long[Difference.Kind.values().length];

    Differences(TablePlan plan, int cap) {
        this.plan = plan;
        this.cap = cap;
    }

    /** The difference between a source and a target row with the same key (either may be null), or null when they agree. */
    Difference compare(Row source, Row target) {
        if (source == null && target == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        Row any = source != null ? source : target;
        List<String> key = List.of(any.key());
        if (source == null || target == null) {
            return new Difference(source == null ? Difference.Kind.EXTRA : Difference.Kind.MISSING, key, source, target, names);
        }
        for (int i = 0; i < plan.columns().size(); i++) {
            TablePlan.Col col = plan.columns().get(i);
            String a = source.values()[i];
            String b = target.values()[i];
            boolean same = col.tolerance() == null ? Objects.equals(a, b) : Canonical.withinTolerance(a, b, col.tolerance());
            if (!same) {
                names.add(col.name());
            }
        }
        return names.isEmpty() ? null : new Difference(Difference.Kind.CHANGED, key, source, target, names);
    }

    void add(Difference d) {
        if (held.size() < cap) {
            held.add(d);
        } else {
            overflow[d.kind().ordinal()]++;
        }
    }

    /** Streams rows to a consumer (one side's rows of a range). */
    interface Scan {
        void into(Side.RowSink sink) throws SQLException;
    }

    /** Compares a few source rows, held by key, with the target's rows of the same range streamed past them. */
    void compareStreaming(List<Row> source, Scan target) throws SQLException {
        Map<String, Row> byKey = new HashMap<>();
        for (Row s : source) {
            byKey.put(s.keyText(), s);
        }
        target.into(t -> {
            Difference d = compare(byKey.remove(t.keyText()), t);
            if (d != null) {
                add(d);
            }
        });
        for (Row s : byKey.values()) {
            add(compare(s, null));
        }
    }

    /**
     * Reads every held difference's key again on both sides and drops the ones that now agree (rows the
     * pipeline was still carrying); the others take their current rows.
     */
    void recheck(Side source, Side target) throws SQLException {
        for (int from = 0; from < held.size(); from += RECHECK_BATCH) {
            List<Difference> batch = held.subList(from, Math.min(held.size(), from + RECHECK_BATCH));
            List<String[]> keys = new ArrayList<>();
            for (Difference d : batch) {
                keys.add(d.key().toArray(String[]::new));
            }
            Map<String, Row> src = byKey(source.rowsByKeys(keys));
            Map<String, Row> dst = byKey(target.rowsByKeys(keys));
            for (int i = 0; i < batch.size(); i++) {
                String k = new Row(keys.get(i), new String[0]).keyText();
                batch.set(i, compare(src.get(k), dst.get(k)));
            }
        }
        for (Iterator<Difference> it = held.iterator(); it.hasNext(); ) {
            if (it.next() == null) {
                it.remove();
            }
        }
    }

    private static Map<String, Row> byKey(List<Row> rows) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : rows) {
            m.put(r.keyText(), r);
        }
        return m;
    }

    boolean isEmpty() {
        return held.isEmpty() && unsettled() == 0;
    }

    List<Difference> held() {
        return held;
    }

    long count(Difference.Kind kind) {
        return held.stream().filter(d -> d.kind() == kind).count() + overflow[kind.ordinal()];
    }

    /** Differences past the cap: counted, never re-checked. */
    long unsettled() {
        long n = 0;
        for (long o : overflow) {
            n += o;
        }
        return n;
    }
}
