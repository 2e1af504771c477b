package io.tributary.sink.postgres;

import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Op;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events of one key in a batch, in source order (by position), and the net change a set-based write
 * applies for them: the event the target must end with ({@link #last}) and, on a last-write-wins table, the
 * delete that has to go before it ({@link #deleteFirst}).
 *
 * <p>Contract: applying {@code deleteFirst} (when there is one) and then {@code last} under the writer's guard
 * leaves the target as applying every event of {@link #inOrder} one by one would:
 * <ul>
 *   <li>by position: the newest event wins;</li>
 *   <li>last-write-wins: a delete applies by position (it removes whatever an older event wrote), the upserts
 *       after the newest delete compete by their timestamp column (the position breaks ties), so the winner is
 *       the newest delete and then the best of the upserts after it; upserts before that delete no longer
 *       matter. Timestamps are compared in their column's type (DECIMAL as numbers).</li>
 * </ul>
 * A winner that leaves columns unchanged (TOAST values the source did not send) takes those values from the
 * newest older event that has them, so collapsing never loses them.
 */
final class KeyChanges {
    /** The key's events in source order. */
    final List<SinkEvent> inOrder;
    /** A delete to apply before {@link #last} (last-write-wins with upserts after a delete); else null. */
    final SinkEvent deleteFirst;
    /** The event the target must end with, unchanged columns filled in from older events where they can be. */
    final SinkEvent last;

    private KeyChanges(List<SinkEvent> inOrder, SinkEvent deleteFirst, SinkEvent last) {
        this.inOrder = inOrder;
        this.deleteFirst = deleteFirst;
        this.last = last;
    }

    /** The identity of an event's row across the batch: its table's topic and its key values. */
    static List<Object> key(SinkEvent e) {
        return List.of(e.schema().table().topic(), e.keyValues());
    }

    /** The events grouped per key, in the order keys first appear. */
    static List<KeyChanges> of(List<SinkEvent> events, PipelineConfig.Service service) {
        Map<List<Object>, List<SinkEvent>> byKey = new LinkedHashMap<>();
        for (SinkEvent e : events) {
            byKey.computeIfAbsent(key(e), k -> new ArrayList<>()).add(e);
        }
        List<KeyChanges> out = new ArrayList<>(byKey.size());
        for (List<SinkEvent> list : byKey.values()) {
            list.sort(Comparator.comparing(SinkEvent::position));
            out.add(collapse(list, service.options(list.get(0).schema().table().table()).lastWriteWinsColumn()));
        }
        return out;
    }

    /** True when a set-based write applies {@code e} itself (it is {@link #last} or {@link #deleteFirst}). */
    boolean writes(SinkEvent e) {
        return e == deleteFirst || e == last || last.parkedId() != null && e.parkedId() != null && e.parkedId().equals(last.parkedId());
    }

    private static KeyChanges collapse(List<SinkEvent> inOrder, String lww) {
        if (lww == null) {
            return new KeyChanges(inOrder, null, fillUnchanged(inOrder, inOrder.get(inOrder.size() - 1)));
        }
        SinkEvent delete = null;
        int after = 0;
        for (int i = 0; i < inOrder.size(); i++) {
            if (inOrder.get(i).op() == Op.DELETE) {
                delete = inOrder.get(i);
                after = i + 1;
            }
        }
        List<SinkEvent> upserts = inOrder.subList(after, inOrder.size());
        if (upserts.isEmpty()) {
            return new KeyChanges(inOrder, null, delete);
        }
        SinkEvent best = upserts.get(0);
        for (SinkEvent e : upserts) {
            if (compareLww(lww, e, best) >= 0) {
                best = e;
            }
        }
        return new KeyChanges(inOrder, delete, fillUnchanged(upserts, best));
    }

    /** {@code winner} with its unchanged columns taken from the newest older event of {@code events} that has them. */
    private static SinkEvent fillUnchanged(List<SinkEvent> events, SinkEvent winner) {
        if (winner.unchanged().isEmpty() || winner.op() == Op.DELETE) {
            return winner;
        }
        Map<String, Object> after = new HashMap<>(winner.after());
        List<String> stillUnchanged = new ArrayList<>();
        for (String col : winner.unchanged()) {
            Object value = null;
            boolean found = false;
            for (int i = events.indexOf(winner) - 1; i >= 0 && !found; i--) {
                SinkEvent older = events.get(i);
                if (older.op() == Op.DELETE) {
                    break; // nothing before a delete describes the row the winner updated
                }
                if (!older.unchanged().contains(col)) {
                    value = older.after().get(col);
                    found = true;
                }
            }
            if (found) {
                after.put(col, value);
            } else {
                stillUnchanged.add(col);
            }
        }
        if (stillUnchanged.size() == winner.unchanged().size()) {
            return winner;
        }
        ChangeEvent w = winner.event();
        ChangeEvent merged = new ChangeEvent(w.schema(), w.op(), w.before(), after, w.position(), w.commitTsMs(), w.snapshot(),
                w.connector(), w.database(), w.txId(), w.lsn(), stillUnchanged, w.tsMs());
        return new SinkEvent(merged, winner.topic(), winner.partition(), winner.offset(), winner.rawKey(), winner.rawValue(), winner.parkedId());
    }

    /**
     * Orders two upserts as the writer's last-write-wins guard does: by the timestamp column (a null is older
     * than any value), then by position.
     */
    static int compareLww(String column, SinkEvent a, SinkEvent b) {
        Object tsA = a.after().get(column);
        Object tsB = b.after().get(column);
        if (tsA == null || tsB == null) {
            return tsA == null && tsB == null ? a.position().compareTo(b.position()) : tsA == null ? -1 : 1;
        }
        boolean decimal = a.schema().column(column).map(c -> c.type() == ColumnType.DECIMAL).orElse(false);
        int c = decimal ? new BigDecimal(tsA.toString()).compareTo(new BigDecimal(tsB.toString())) : compare(tsA, tsB);
        return c != 0 ? c : a.position().compareTo(b.position());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue()) != 0 ? Double.compare(x.doubleValue(), y.doubleValue())
                    : Long.compare(x.longValue(), y.longValue());
        }
        return ((Comparable) a).compareTo(b);
    }
}
