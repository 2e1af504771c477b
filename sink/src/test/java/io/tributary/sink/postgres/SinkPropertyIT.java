package io.tributary.sink.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.testkit.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One random run mixing everything the sink decides on: both conflict policies with hard and soft deletes,
 * new generations (with deletes the capture missed) on a plain table and on a parent table under a foreign
 * key, unique values moving between rows (swaps through a temporary value), and children arriving before
 * their parents. The topics are read as Kafka delivers them (each topic in order, topics interleaved, batches
 * cut at random), with crashes between the database commit and the offset commit (the batch read again) and a
 * replay of every topic from the start at the end. The target must end as the events applied in source order
 * would leave it, with nothing dead-lettered, parked or quarantined.
 */
class SinkPropertyIT {
    private static final TableSchema POS = like("items_pos");
    private static final TableSchema SOFT = like("items_soft");
    private static final TableSchema LWW = like("items_lww");
    private static final TableSchema LWW_SOFT = like("items_lww_soft");
    private static final TableSchema USERS = BatchConflictsIT.USERS;
    private static final TableSchema PARENTS = BatchApplierIT.PARENTS;
    private static final TableSchema CHILDREN = BatchApplierIT.CHILDREN;
    private static final List<TableSchema> TABLES = List.of(POS, SOFT, LWW, LWW_SOFT, USERS, PARENTS, CHILDREN);

    private final SinkEvents events = new SinkEvents();
    private Random r;
    private long lsn;
    /** The source: per table, its rows by key; and per table, its topic (events in source order). */
    private final Map<TableSchema, TreeMap<Long, Map<String, Object>>> source = new LinkedHashMap<>();
    private final Map<TableSchema, List<SinkEvent>> topics = new LinkedHashMap<>();
    private final Map<TableSchema, Long> generation = new HashMap<>();
    private final List<GenerationMarker> markers = new ArrayList<>();
    /** What a last-write-wins table must hold: the events applied in source order under its rule. */
    private final Map<TableSchema, TreeMap<Long, Map<String, Object>>> lwwExpected = new HashMap<>();
    /** Events parked on the way (children before parents, values still held): the run must have had some. */
    private int parkedSeen;

    private static TableSchema like(String name) {
        return new TableSchema(new TableRef("src", "public", name), SinkEvents.ITEMS.columns(), SinkEvents.ITEMS.primaryKey());
    }

    private static PipelineConfig.Service service(String url) {
        Map<String, PipelineConfig.TableOptions> options = Map.of(
                "items_soft", new PipelineConfig.TableOptions(true, null),
                "items_lww", new PipelineConfig.TableOptions(false, "updated_at"),
                "items_lww_soft", new PipelineConfig.TableOptions(true, "updated_at"));
        return new PipelineConfig.Service("svc", "g", SinkEvents.service(url, Map.of(), Duration.ZERO).target(),
                TABLES.stream().map(TableSchema::table).toList(), options, Duration.ofMinutes(10));
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13})
    void everyPolicyDeleteGenerationUniqueMoveAndParkedChildEndsInTheInOrderState(long seed) throws Exception {
        r = new Random(seed);
        String url = TestServers.newDatabase("sink_property_" + seed);
        BatchConflictsIT.sql(url, "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE); "
                + "CREATE TABLE parents (id bigint PRIMARY KEY); "
                + "CREATE TABLE children (id bigint PRIMARY KEY, parent_id bigint REFERENCES parents(id))");
        TABLES.forEach(t -> {
            source.put(t, new TreeMap<>());
            topics.put(t, new ArrayList<>());
            generation.put(t, 1L);
        });
        lwwExpected.put(LWW, new TreeMap<>());
        lwwExpected.put(LWW_SOFT, new TreeMap<>());
        for (int step = 0; step < 250; step++) {
            int what = r.nextInt(20);
            if (what < 8) {
                itemChange(List.of(POS, SOFT, LWW, LWW_SOFT).get(r.nextInt(4)));
            } else if (what < 12) {
                userChange();
            } else if (what < 18) {
                familyChange();
            } else if (what == 18) {
                newGeneration(POS);
            } else {
                newGeneration(PARENTS);
            }
        }
        List<Integer> deadLetters = new ArrayList<>();
        try (BatchApplier applier = new BatchApplier(service(url), events.decoder)) {
            deliver(applier, deadLetters, true);
            deliver(applier, deadLetters, false); // every topic again from the start
            for (int i = 0; i < 5 && applier.hasParked(); i++) {
                applier.apply(List.of()); // the sink retries parked events when idle too
            }
        }
        assertEquals(0, deadLetters.stream().mapToInt(Integer::intValue).sum(), "dead letters");
        org.junit.jupiter.api.Assertions.assertTrue(parkedSeen > 0, "the run parked nothing: it proves nothing about parking");
        assertEquals(List.of(List.of("items_pos", "t"), List.of("parents", "t")), BatchConflictsIT.rows(url, "SELECT table_name, generation > 1 FROM "
                + Bookkeeping.FLOOR + " WHERE generation > 1 ORDER BY table_name"), "both tables had a new generation");
        assertEquals(List.of(List.of("0", "0")), BatchConflictsIT.rows(url, "SELECT (SELECT count(*) FROM " + Bookkeeping.PARKED + "), "
                + "(SELECT count(*) FROM " + Bookkeeping.QUARANTINE + ")"), "parked, quarantined");
        assertEquals(names(source.get(POS)), BatchConflictsIT.rows(url, "SELECT id, name FROM items_pos ORDER BY id"), "position, hard deletes");
        assertEquals(names(source.get(SOFT)), BatchConflictsIT.rows(url, "SELECT id, name FROM items_soft WHERE NOT _tributary_deleted ORDER BY id"),
                "position, soft deletes");
        assertEquals(names(lwwExpected.get(LWW)), BatchConflictsIT.rows(url, "SELECT id, name FROM items_lww ORDER BY id"), "last-write-wins, hard");
        assertEquals(names(lwwExpected.get(LWW_SOFT)), BatchConflictsIT.rows(url, "SELECT id, name FROM items_lww_soft WHERE NOT _tributary_deleted ORDER BY id"),
                "last-write-wins, soft");
        assertEquals(column(source.get(USERS), "email"), BatchConflictsIT.rows(url, "SELECT id, email FROM users ORDER BY id"), "unique moves");
        assertEquals(column(source.get(PARENTS), null), BatchConflictsIT.rows(url, "SELECT id FROM parents ORDER BY id"), "parents");
        assertEquals(column(source.get(CHILDREN), "parent_id"), BatchConflictsIT.rows(url, "SELECT id, parent_id FROM children ORDER BY id"), "children");
    }

    // ---- the source: changes in source order, each an event on its table's topic ----

    private Position next(TableSchema t) {
        lsn++;
        return Position.of(generation.get(t), lsn, lsn, 0);
    }

    private void write(TableSchema t, long id, Map<String, Object> row) {
        boolean exists = source.get(t).containsKey(id);
        source.get(t).put(id, row);
        topics.get(t).add(events.event(t, exists ? Op.UPDATE : Op.CREATE, null, row, next(t), List.of()));
    }

    private void delete(TableSchema t, long id, boolean seen) {
        Map<String, Object> row = source.get(t).remove(id);
        if (seen) {
            topics.get(t).add(events.event(t, Op.DELETE, row, null, next(t), List.of()));
        }
    }

    private void itemChange(TableSchema t) {
        long id = 1 + r.nextInt(12);
        if (source.get(t).containsKey(id) && r.nextInt(4) == 0) {
            delete(t, id, true);
            if (lwwExpected.containsKey(t)) {
                lwwExpected.get(t).remove(id);
            }
            return;
        }
        // a timestamp that may go back in time: last-write-wins keeps the newest stamp, position tables the last write
        Map<String, Object> row = SinkEvents.item(id, "v" + (lsn + 1), "1", 1.0, (long) r.nextInt(50), null);
        write(t, id, row);
        if (lwwExpected.containsKey(t)) {
            Map<String, Object> current = lwwExpected.get(t).get(id);
            if (current == null || (Long) current.get("updated_at") <= (Long) row.get("updated_at")) {
                lwwExpected.get(t).put(id, row);
            }
        }
    }

    private Map<String, Object> user(long id, String email) {
        return Map.of("id", id, "email", email);
    }

    private void userChange() {
        TreeMap<Long, Map<String, Object>> users = source.get(USERS);
        long id = 1 + r.nextInt(8);
        int what = r.nextInt(4);
        if (!users.containsKey(id)) {
            write(USERS, id, user(id, "u" + (lsn + 1) + "@x"));
        } else if (what == 0) {
            delete(USERS, id, true);
        } else if (what == 1 || users.size() < 2) {
            write(USERS, id, user(id, "u" + (lsn + 1) + "@x"));
        } else {
            // two users swap emails through a temporary one
            List<Long> others = new ArrayList<>(users.keySet());
            others.remove(id);
            long other = others.get(r.nextInt(others.size()));
            String mine = (String) users.get(id).get("email");
            String theirs = (String) users.get(other).get("email");
            write(USERS, id, user(id, "tmp" + (lsn + 1) + "@x"));
            write(USERS, other, user(other, mine));
            write(USERS, id, user(id, theirs));
        }
    }

    private void familyChange() {
        TreeMap<Long, Map<String, Object>> parents = source.get(PARENTS);
        TreeMap<Long, Map<String, Object>> children = source.get(CHILDREN);
        int what = r.nextInt(5);
        if (what == 0 || parents.isEmpty()) {
            long id = 1 + r.nextInt(10);
            if (!parents.containsKey(id)) {
                write(PARENTS, id, Map.of("id", id));
            } else if (children.values().stream().noneMatch(c -> c.get("parent_id").equals(id))) {
                delete(PARENTS, id, true);
            }
            return;
        }
        long child = 100 + r.nextInt(15);
        if (what == 1 && children.containsKey(child)) {
            delete(CHILDREN, child, true);
            return;
        }
        List<Long> ids = new ArrayList<>(parents.keySet());
        write(CHILDREN, child, Map.of("id", child, "parent_id", ids.get(r.nextInt(ids.size()))));
    }

    /**
     * The capture lost track of {@code t} (rows were deleted while nobody watched: for parents, after their
     * children's deletes, which were seen) and read it again as a new generation, then wrote its marker.
     */
    private void newGeneration(TableSchema t) {
        List<Long> ids = new ArrayList<>(source.get(t).keySet());
        Collections.shuffle(ids, r);
        for (long id : ids.subList(0, Math.min(ids.size(), r.nextInt(3)))) {
            if (t == PARENTS) {
                for (long child : new ArrayList<>(source.get(CHILDREN).keySet())) {
                    if (source.get(CHILDREN).get(child).get("parent_id").equals(id)) {
                        delete(CHILDREN, child, true);
                    }
                }
            }
            delete(t, id, false);
        }
        long g = generation.merge(t, 1L, Long::sum);
        long seq = 0;
        Position through = null;
        for (Map.Entry<Long, Map<String, Object>> row : source.get(t).entrySet()) {
            through = Position.of(g, 0, 0, ++seq);
            topics.get(t).add(events.event(t, Op.READ, null, row.getValue(), through, List.of()));
        }
        markers.add(new GenerationMarker("src", t.table().table(), g, through));
    }

    // ---- delivery as Kafka does it ----

    /**
     * Reads every topic (and the markers) to its end in batches of random cuts across topics; with
     * {@code crashes}, some batches are read again after they were applied (the offsets were not committed).
     */
    private void deliver(BatchApplier applier, List<Integer> deadLetters, boolean crashes) throws Exception {
        List<List<SinkEvent>> logs = new ArrayList<>(topics.values());
        int[] committed = new int[logs.size() + 1];
        int[] read = new int[logs.size() + 1];
        while (!atEnd(read, logs)) {
            List<SinkEvent> batch = new ArrayList<>();
            for (int t = 0; t < logs.size(); t++) {
                int n = Math.min(logs.get(t).size() - read[t], r.nextInt(12));
                batch.addAll(logs.get(t).subList(read[t], read[t] + n));
                read[t] += n;
            }
            int m = Math.min(markers.size() - read[logs.size()], r.nextInt(2));
            List<GenerationMarker> batchMarkers = markers.subList(read[logs.size()], read[logs.size()] + m);
            read[logs.size()] += m;
            BatchApplier.Outcome o = applier.apply(batch, batchMarkers);
            deadLetters.add(o.deadLetters().size());
            parkedSeen += o.parked();
            if (crashes && r.nextInt(6) == 0) {
                System.arraycopy(committed, 0, read, 0, read.length);
            } else {
                System.arraycopy(read, 0, committed, 0, read.length);
            }
        }
    }

    private boolean atEnd(int[] read, List<List<SinkEvent>> logs) {
        for (int t = 0; t < logs.size(); t++) {
            if (read[t] < logs.get(t).size()) {
                return false;
            }
        }
        return read[logs.size()] == markers.size();
    }

    private static List<List<String>> names(TreeMap<Long, Map<String, Object>> rows) {
        return column(rows, "name");
    }

    private static List<List<String>> column(TreeMap<Long, Map<String, Object>> rows, String column) {
        List<List<String>> out = new ArrayList<>();
        rows.forEach((id, row) -> out.add(column == null ? List.of(String.valueOf(id)) : List.of(String.valueOf(id), String.valueOf(row.get(column)))));
        return out;
    }
}
