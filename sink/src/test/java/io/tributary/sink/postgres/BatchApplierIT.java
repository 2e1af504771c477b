package io.tributary.sink.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import io.tributary.testkit.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The sink's apply path against a real PostgreSQL, with events encoded through the real registry. */
class BatchApplierIT {
    private final SinkEvents events = new SinkEvents();

    private static String db(String name) throws Exception {
        return TestServers.newDatabase("sink_" + name);
    }

    private static List<List<String>> rows(String url, String sql) throws Exception {
        return io.tributary.testkit.Sql.rows(url, sql);
    }

    private static void sql(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void anyRedeliveryDuplicationOrReplayEndsInTheInOrderState(long seed) throws Exception {
        String url = db("prop_" + seed);
        Random r = new Random(seed);
        List<SinkEvent> history = new ArrayList<>();
        TreeMap<Long, SinkEvent> expected = new TreeMap<>();
        for (long pos = 1; pos <= 400; pos++) {
            long id = 1 + r.nextInt(25);
            SinkEvent e = expected.containsKey(id) && r.nextInt(4) == 0 ? events.delete(id, pos) : events.upsert(id, "v" + pos, pos);
            history.add(e);
            if (e.op() == Op.DELETE) {
                expected.remove(id);
            } else {
                expected.put(id, e);
            }
        }
        List<SinkEvent> delivery = new ArrayList<>(history);
        for (int i = 0; i < 150; i++) {
            delivery.add(history.get(r.nextInt(history.size()))); // duplicates
        }
        Collections.shuffle(delivery, r);                         // out of order, across batches
        delivery.addAll(history);                                 // and a replay from the start
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, Map.of(), Duration.ofMinutes(10)), events.decoder)) {
            for (int i = 0; i < delivery.size(); ) {
                int n = 1 + r.nextInt(60);
                applier.apply(delivery.subList(i, Math.min(delivery.size(), i + n)));
                i += n;
            }
        }
        List<List<String>> want = new ArrayList<>();
        expected.forEach((id, e) -> want.add(List.of(String.valueOf(id), e.after().get("name").toString(), e.after().get("notes").toString())));
        assertEquals(want, rows(url, "SELECT id, name, notes FROM items ORDER BY id"));
    }

    @Test
    void aDeleteIsRememberedSoAnOlderInsertReplayedAfterItCannotBringTheRowBack() throws Exception {
        String url = db("delete_replay");
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, Map.of(), Duration.ofMinutes(10)), events.decoder)) {
            SinkEvent insert = events.upsert(1, "first", 10);
            applier.apply(List.of(insert));
            applier.apply(List.of(events.delete(1, 20)));
            applier.apply(List.of(insert));
            assertEquals(List.of(), rows(url, "SELECT id FROM items"));
            assertEquals(List.of(List.of("1", "{0,20,20,0}")), rows(url, "SELECT id, " + Bookkeeping.POSITION + " FROM " + Bookkeeping.deletesTable("items")));
            applier.apply(List.of(events.upsert(1, "again", 30)));
            assertEquals(List.of(List.of("1", "again")), rows(url, "SELECT id, name FROM items"));
        }
    }

    @Test
    void aNewGenerationDropsRowsItDidNotBringAgainAndRefusesOlderEvents() throws Exception {
        String url = db("generation");
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, Map.of(), Duration.ofMinutes(10)), events.decoder)) {
            var gen1 = new ArrayList<SinkEvent>();
            for (long id = 1; id <= 3; id++) {
                gen1.add(events.event(SinkEvents.ITEMS, Op.READ, null, SinkEvents.item(id, "g1", "1", 1.0, 1L, null), Position.of(100, 0, 0, id), List.of()));
            }
            applier.apply(gen1);
            // row 2 was deleted while the capture could not follow; a new snapshot (generation 200) brings 1 and 3
            applier.apply(List.of(events.event(SinkEvents.ITEMS, Op.READ, null, SinkEvents.item(1, "g2", "1", 1.0, 1L, null), Position.of(200, 0, 5, 1), List.of())),
                    List.of(new GenerationMarker("src", "items", 200)));
            applier.apply(List.of(events.event(SinkEvents.ITEMS, Op.READ, null, SinkEvents.item(3, "g2", "1", 1.0, 1L, null), Position.of(200, 0, 5, 2), List.of())));
            assertEquals(List.of(List.of("1", "g2"), List.of("3", "g2")), rows(url, "SELECT id, name FROM items ORDER BY id"));
            // a late event of the old generation changes nothing
            applier.apply(List.of(events.event(SinkEvents.ITEMS, Op.UPDATE, null, SinkEvents.item(2, "late", "1", 1.0, 1L, null), Position.of(100, 0, 9, 1), List.of())));
            assertEquals(List.of(List.of("1", "g2"), List.of("3", "g2")), rows(url, "SELECT id, name FROM items ORDER BY id"));
            // a marker read before the new snapshot's rows still ends in the same state
            applier.apply(List.of(), List.of(new GenerationMarker("src", "items", 300)));
            applier.apply(List.of(events.event(SinkEvents.ITEMS, Op.READ, null, SinkEvents.item(3, "g3", "1", 1.0, 1L, null), Position.of(300, 0, 1, 1), List.of())));
            assertEquals(List.of(List.of("3", "g3")), rows(url, "SELECT id, name FROM items ORDER BY id"));
        }
    }

    private SinkEvent read(long id, String name, Position pos) {
        return events.event(SinkEvents.ITEMS, Op.READ, null, SinkEvents.item(id, name, "1", 1.0, 1L, null), pos, List.of());
    }

    /**
     * A re-snapshot's marker travels on its own topic and can be read before the snapshot rows it concludes
     * (they may still be in the transform): applied at once it would leave the table without its rows until
     * they come. A marker that names the snapshot's last row waits for it, so a reader never sees the table
     * emptier than before. Changes streamed in the new generation may come before the snapshot rows and have
     * higher positions: they do not count as the snapshot's rows.
     */
    @Test
    void aMarkerReadBeforeItsSnapshotRowsWaitsForTheLastOneSoTheTableIsNeverEmptied() throws Exception {
        String url = db("generation_through");
        var service = SinkEvents.service(url, Map.of(), Duration.ofMinutes(10));
        try (BatchApplier applier = new BatchApplier(service, events.decoder)) {
            applier.apply(List.of(read(1, "g1", Position.of(100, 0, 0, 1)), read(2, "g1", Position.of(100, 0, 0, 2)),
                    read(3, "g1", Position.of(100, 0, 0, 3)), read(4, "g1", Position.of(100, 0, 0, 4))));
            // generation 200 re-reads 1 and 3 (2 was deleted while nobody watched); 4 changed after it began
            applier.apply(List.of(), List.of(new GenerationMarker("src", "items", 200, Position.of(200, 0, 0, 12))));
            applier.apply(List.of(events.event(SinkEvents.ITEMS, Op.UPDATE, null, SinkEvents.item(4, "g2 streamed", "1", 1.0, 1L, null),
                    Position.of(200, 70, 80, 0), List.of())));
            assertEquals(List.of(List.of("1", "g1"), List.of("2", "g1"), List.of("3", "g1"), List.of("4", "g2 streamed")),
                    rows(url, "SELECT id, name FROM items ORDER BY id"), "nothing is dropped before the snapshot's rows are read");
            applier.apply(List.of(read(1, "g2", Position.of(200, 0, 0, 11))));
            assertEquals(4, rows(url, "SELECT id FROM items").size(), "still waiting for the snapshot's last row");
        }
        try (BatchApplier restarted = new BatchApplier(service, events.decoder)) { // the wait outlives a restart
            restarted.apply(List.of(read(3, "g2", Position.of(200, 0, 0, 12)), read(4, "g2 chunk", Position.of(200, 0, 0, 13))));
            assertEquals(List.of(List.of("1", "g2"), List.of("3", "g2"), List.of("4", "g2 streamed")), rows(url, "SELECT id, name FROM items ORDER BY id"));
            restarted.apply(List.of(events.event(SinkEvents.ITEMS, Op.UPDATE, null, SinkEvents.item(2, "late", "1", 1.0, 1L, null),
                    Position.of(100, 9, 9, 0), List.of())));
            assertEquals(List.of(List.of("1", "g2"), List.of("3", "g2"), List.of("4", "g2 streamed")), rows(url, "SELECT id, name FROM items ORDER BY id"),
                    "an event of the old generation is refused once the marker applied");
        }
    }

    @Test
    void aMarkerWhoseLastSnapshotRowWasAlreadyReadAppliesAtOnce() throws Exception {
        String url = db("generation_through_read");
        var service = SinkEvents.service(url, Map.of(), Duration.ofMinutes(10));
        try (BatchApplier applier = new BatchApplier(service, events.decoder)) {
            applier.apply(List.of(read(1, "g1", Position.of(100, 0, 0, 1)), read(2, "g1", Position.of(100, 0, 0, 2))));
            // the snapshot's last row, then a streamed change of the same key after it
            applier.apply(List.of(read(1, "g2", Position.of(200, 0, 0, 1)),
                    events.event(SinkEvents.ITEMS, Op.UPDATE, null, SinkEvents.item(1, "g2 later", "1", 1.0, 1L, null), Position.of(200, 50, 60, 0), List.of())));
        }
        try (BatchApplier restarted = new BatchApplier(service, events.decoder)) {
            restarted.apply(List.of(), List.of(new GenerationMarker("src", "items", 200, Position.of(200, 0, 0, 1))));
            assertEquals(List.of(List.of("1", "g2 later")), rows(url, "SELECT id, name FROM items ORDER BY id"));
        }
    }

    @Test
    void aNewerMarkerReplacesOneStillWaitingAndAnOlderOneChangesNothing() throws Exception {
        String url = db("generation_through_newer");
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, Map.of(), Duration.ofMinutes(10)), events.decoder)) {
            applier.apply(List.of(read(1, "g1", Position.of(100, 0, 0, 1)), read(2, "g1", Position.of(100, 0, 0, 2))));
            applier.apply(List.of(), List.of(new GenerationMarker("src", "items", 200, Position.of(200, 0, 0, 9))));
            applier.apply(List.of(read(1, "g3", Position.of(300, 0, 0, 1))), List.of(new GenerationMarker("src", "items", 300, Position.of(300, 0, 0, 1))));
            assertEquals(List.of(List.of("1", "g3")), rows(url, "SELECT id, name FROM items ORDER BY id"));
            applier.apply(List.of(read(2, "g2", Position.of(200, 0, 0, 9))), List.of(new GenerationMarker("src", "items", 200, Position.of(200, 0, 0, 9))));
            assertEquals(List.of(List.of("1", "g3")), rows(url, "SELECT id, name FROM items ORDER BY id"), "generation 200 is older than the floor");
        }
    }

    @Test
    void softDeleteKeepsTheRowFlagged() throws Exception {
        String url = db("soft");
        var options = Map.of("items", new PipelineConfig.TableOptions(true, null));
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, options, Duration.ofMinutes(10)), events.decoder)) {
            applier.apply(List.of(events.upsert(1, "a", 1), events.upsert(2, "b", 2)));
            applier.apply(List.of(events.delete(1, 3)));
            assertEquals(List.of(List.of("1", "t"), List.of("2", "f")), rows(url, "SELECT id, " + Bookkeeping.DELETED + " FROM items ORDER BY id"));
        }
    }

    @Test
    void unchangedToastColumnsKeepTheTargetValueAndAreNeverWritten() throws Exception {
        String url = db("toast");
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, Map.of(), Duration.ofMinutes(10)), events.decoder)) {
            String big = "x".repeat(10_000);
            applier.apply(List.of(events.event(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(1, "a", "1", 1.0, 1L, big), 1, List.of())));
            SinkEvent partial = events.event(SinkEvents.ITEMS, Op.UPDATE, null, SinkEvents.item(1, "b", "2", 2.0, 2L, null), 2, List.of("notes"));
            BatchApplier.Outcome o = applier.apply(List.of(partial));
            assertEquals(0, o.deadLetters().size());
            assertEquals(List.of(List.of("b", "2.0000", String.valueOf(big.length()))), rows(url, "SELECT name, qty, length(notes) FROM items"));
            SinkEvent noRow = events.event(SinkEvents.ITEMS, Op.UPDATE, null, SinkEvents.item(9, "z", "2", 2.0, 2L, null), 3, List.of("notes"));
            BatchApplier.Outcome missing = applier.apply(List.of(noRow));
            assertEquals(1, missing.deadLetters().size());
            assertTrue(missing.deadLetters().get(0).reason().contains("unchanged TOAST"), missing.deadLetters().get(0).reason());
            assertEquals(List.of(), rows(url, "SELECT id FROM items WHERE id = 9"));
        }
    }

    @Test
    void unchangedColumnsSurviveCollapsingWithEarlierEventsOfTheSameBatch() throws Exception {
        String url = db("toast_collapse");
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, Map.of(), Duration.ofMinutes(10)), events.decoder)) {
            String big = "y".repeat(9_000);
            SinkEvent insert = events.event(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(1, "a", "1", 1.0, 1L, big), 1, List.of());
            SinkEvent partial = events.event(SinkEvents.ITEMS, Op.UPDATE, null, SinkEvents.item(1, "b", "1", 1.0, 2L, null), 2, List.of("notes"));
            assertEquals(0, applier.apply(List.of(insert, partial)).deadLetters().size());
            SinkEvent setNotes = events.event(SinkEvents.ITEMS, Op.UPDATE, null, SinkEvents.item(1, "c", "1", 1.0, 3L, "short"), 3, List.of());
            SinkEvent partial2 = events.event(SinkEvents.ITEMS, Op.UPDATE, null, SinkEvents.item(1, "d", "1", 1.0, 4L, null), 4, List.of("notes"));
            applier.apply(List.of(setNotes, partial2));
            assertEquals(List.of(List.of("d", "short")), rows(url, "SELECT name, notes FROM items"));
        }
    }

    @Test
    void lastWriteWinsHoldsInsideOneBatchToo() throws Exception {
        String url = db("lww_batch");
        var options = Map.of("items", new PipelineConfig.TableOptions(false, "updated_at"));
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, options, Duration.ofMinutes(10)), events.decoder)) {
            applier.apply(List.of(
                    events.event(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(1, "newer-clock", "1", 1.0, 2_000L, null), 1, List.of()),
                    events.event(SinkEvents.ITEMS, Op.UPDATE, null, SinkEvents.item(1, "older-clock", "1", 1.0, 1_000L, null), 2, List.of())));
            assertEquals(List.of(List.of("newer-clock")), rows(url, "SELECT name FROM items"));
        }
    }

    @Test
    void aCheckViolationIsADeadLetterAndTheRestOfTheBatchIsApplied() throws Exception {
        String url = db("check");
        sql(url, "CREATE TABLE items (id bigint PRIMARY KEY, name text, qty numeric(12,4) CHECK (qty >= 0), price double precision, "
                + "updated_at timestamptz, notes text)");
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, Map.of(), Duration.ofMinutes(10)), events.decoder)) {
            SinkEvent bad = events.event(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(2, "neg", "-1", 1.0, 1L, null), 2, List.of());
            BatchApplier.Outcome o = applier.apply(List.of(events.upsert(1, "ok", 1), bad, events.upsert(3, "ok", 3)));
            assertEquals(1, o.deadLetters().size());
            assertTrue(o.deadLetters().get(0).reason().contains("23514"), o.deadLetters().get(0).reason());
            assertEquals(2L, o.deadLetters().get(0).event().keyValues().get(0));
            assertEquals(List.of(List.of("1"), List.of("3")), rows(url, "SELECT id FROM items ORDER BY id"));
        }
    }

    static final TableSchema PARENTS = new TableSchema(new TableRef("src", "public", "parents"),
            List.of(new Column("id", ColumnType.INT64, "INT8", false)), List.of("id"));
    static final TableSchema CHILDREN = new TableSchema(new TableRef("src", "public", "children"),
            List.of(new Column("id", ColumnType.INT64, "INT8", false), new Column("parent_id", ColumnType.INT64, "INT8", true)), List.of("id"));

    @Test
    void aChildBeforeItsParentIsParkedThenAppliedAndARealOrphanIsQuarantined() throws Exception {
        String url = db("fk");
        sql(url, "CREATE TABLE parents (id bigint PRIMARY KEY); CREATE TABLE children (id bigint PRIMARY KEY, parent_id bigint REFERENCES parents(id))");
        var service = new PipelineConfig.Service("svc", "g", SinkEvents.service(url, Map.of(), Duration.ZERO).target(),
                List.of(PARENTS.table(), CHILDREN.table()), Map.of(), Duration.ofMinutes(10));
        try (BatchApplier applier = new BatchApplier(service, events.decoder)) {
            SinkEvent child = events.event(CHILDREN, Op.CREATE, null, Map.of("id", 10L, "parent_id", 1L), 5, List.of());
            SinkEvent orphan = events.event(CHILDREN, Op.CREATE, null, Map.of("id", 11L, "parent_id", 99L), 6, List.of());
            BatchApplier.Outcome first = applier.apply(List.of(child, orphan));
            assertEquals(2, first.parked());
            SinkEvent sibling = events.event(CHILDREN, Op.CREATE, null, Map.of("id", 12L, "parent_id", 2L), 7, List.of());
            BatchApplier.Outcome sameBatch = applier.apply(List.of(sibling, events.event(PARENTS, Op.CREATE, null, Map.of("id", 2L), 3, List.of())));
            assertEquals(2, sameBatch.parked(), "the earlier two stay parked; the sibling found its parent later in the same batch");
            assertEquals(List.of(List.of("12", "2")), rows(url, "SELECT id, parent_id FROM children"));
            assertEquals(List.of(List.of("2")), rows(url, "SELECT count(*) FROM " + Bookkeeping.PARKED));
            applier.apply(List.of(events.event(PARENTS, Op.CREATE, null, Map.of("id", 1L), 4, List.of())));
            assertEquals(List.of(List.of("10", "1"), List.of("12", "2")), rows(url, "SELECT id, parent_id FROM children ORDER BY id"));
            assertEquals(List.of(List.of("children", "11")), rows(url, "SELECT table_name, kafka_offset - kafka_offset + 11 FROM " + Bookkeeping.PARKED));
            // the orphan has now waited longer than park-timeout
            sql(url, "UPDATE " + Bookkeeping.PARKED + " SET first_seen = first_seen - interval '11 minutes'");
            BatchApplier.Outcome late = applier.apply(List.of());
            assertEquals(1, late.quarantined());
            assertEquals(List.of(), rows(url, "SELECT id FROM " + Bookkeeping.PARKED));
            List<List<String>> q = rows(url, "SELECT table_name, reason FROM " + Bookkeeping.QUARANTINE);
            assertEquals("children", q.get(0).get(0));
            assertTrue(q.get(0).get(1).startsWith("orphan: no parent row") && q.get(0).get(1).contains("23503"), q.get(0).get(1));
        }
    }

    @Test
    void aMigrationOwnedTableWithNarrowerDeclaredTypesIsWrittenThroughCheckedConversions() throws Exception {
        String url = db("narrower");
        sql(url, "CREATE TABLE items (id integer PRIMARY KEY, name varchar(5), qty numeric(12,4), price numeric(20,6), "
                + "updated_at timestamptz, notes jsonb)");
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, Map.of(), Duration.ofMinutes(10)), events.decoder)) {
            SinkEvent fits = events.event(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(1, "short", "1.5", 0.1, 1L, "{\"a\": [1, 2]}"), 1, List.of());
            SinkEvent outOfRange = events.event(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(3_000_000_000L, "x", null, null, null, null), 2, List.of());
            SinkEvent tooLong = events.event(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(3, "toolong", null, null, null, null), 3, List.of());
            SinkEvent notJson = events.event(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(4, "j", null, null, null, "{oops"), 4, List.of());
            SinkEvent tooPrecise = events.event(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(5, "p", null, 0.1234567, null, null), 5, List.of());
            BatchApplier.Outcome o = applier.apply(List.of(fits, outOfRange, tooLong, notJson, tooPrecise,
                    events.event(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(6, "six", null, 0.6, null, "true"), 6, List.of())));
            Map<Object, String> reasons = new TreeMap<>();
            o.deadLetters().forEach(d -> reasons.put(d.event().keyValues().get(0), d.reason()));
            assertEquals(List.of(3L, 4L, 5L, 3_000_000_000L), new ArrayList<>(reasons.keySet()));
            assertTrue(reasons.get(3_000_000_000L).contains("column id of target table items (integer): a value out of range"), reasons.toString());
            assertTrue(reasons.get(3L).contains("column name") && reasons.get(3L).contains("7 characters, longer than character varying(5)"), reasons.toString());
            assertTrue(reasons.get(4L).contains("column notes") && reasons.get(4L).contains("not a JSON document"), reasons.toString());
            assertTrue(reasons.get(5L).contains("7 fractional digits; numeric(20,6) keeps 6 (declare options.items.convert.price.round"), reasons.toString());
        }
        assertEquals(List.of(List.of("1", "short", "0.100000", "{\"a\": [1, 2]}"), List.of("6", "six", "0.600000", "true")),
                rows(url, "SELECT id, name, price, notes FROM items ORDER BY id"));
    }

    @Test
    void aMigrationOwnedTableThatDoesNotFitIsRefusedWithEveryDifferenceAndNothingIsCreatedInIt() throws Exception {
        String url = db("mismatch");
        sql(url, "CREATE TABLE items (id integer PRIMARY KEY, name text, qty real, price double precision, updated_at timestamp, "
                + "notes text, owner text NOT NULL)");
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, Map.of(), Duration.ofMinutes(10)), events.decoder)) {
            TargetSchemaException e = assertThrows(TargetSchemaException.class, () -> applier.apply(List.of(events.upsert(1, "a", 1))));
            String m = e.getMessage();
            assertTrue(m.contains("column qty is real in the target but numeric(12,4) in the source (declared NUMERIC(12,4)): no conversion"), m);
            assertTrue(m.contains("column updated_at is timestamp without time zone in the target but timestamp with time zone in the source")
                    && m.contains("declare options.items.convert.updated_at.time-zone"), m);
            assertTrue(m.contains("column owner is NOT NULL without a default"), m);
            assertTrue(!m.contains("column id "), "a narrower integer is a conversion, not a difference: " + m);
        }
        assertEquals(List.of(), rows(url, "SELECT id FROM items"), "nothing was written");
        assertEquals(List.of(), rows(url, "SELECT relname FROM pg_class WHERE relname LIKE '\\_tributary\\_%'"), "no bookkeeping table was left behind");
        assertEquals(List.of(), rows(url, "SELECT attname FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname LIKE '\\_tributary\\_%'"),
                "no bookkeeping column was added");
    }

    @Test
    void aWiderMigrationOwnedTableIsAcceptedAndANewSourceColumnIsAdded() throws Exception {
        String url = db("wider");
        sql(url, "CREATE TABLE items (id bigserial PRIMARY KEY, name text, qty numeric, price double precision, updated_at timestamptz, "
                + "created_by text DEFAULT 'migration' NOT NULL)");
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, Map.of(), Duration.ofMinutes(10)), events.decoder)) {
            applier.apply(List.of(events.upsert(41, "a", 1), events.upsert(7, "b", 2)));
            applier.advanceSequences(java.util.Set.of("items"), 0);
        }
        assertEquals(List.of(List.of("7", "b", "n2", "migration"), List.of("41", "a", "n1", "migration")),
                rows(url, "SELECT id, name, notes, created_by FROM items ORDER BY id"));
        assertEquals(List.of(List.of("42")), rows(url, "SELECT nextval('items_id_seq')"), "the sequence moved past the largest id loaded");
    }

    @Test
    void lastWriteWinsLetsTheNewerTimestampWinWhateverThePosition() throws Exception {
        String url = db("lww");
        var options = Map.of("items", new PipelineConfig.TableOptions(false, "updated_at"));
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, options, Duration.ofMinutes(10)), events.decoder)) {
            SinkEvent newerClock = events.event(SinkEvents.ITEMS, Op.CREATE, null, SinkEvents.item(1, "late-pos-new-ts", "1", 1.0, 2_000L, null), 1, List.of());
            SinkEvent olderClock = events.event(SinkEvents.ITEMS, Op.UPDATE, null, SinkEvents.item(1, "new-pos-old-ts", "1", 1.0, 1_000L, null), 2, List.of());
            applier.apply(List.of(newerClock));
            applier.apply(List.of(olderClock));
            assertEquals(List.of(List.of("late-pos-new-ts")), rows(url, "SELECT name FROM items"));
        }
    }

    @Test
    void aTargetConnectionKilledMidBatchIsRetriableAndTheRetryIsExact() throws Exception {
        String url = db("restart");
        List<SinkEvent> batch = new ArrayList<>();
        for (long i = 1; i <= 2000; i++) {
            batch.add(events.upsert(i, "row" + i, i));
        }
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, Map.of(), Duration.ofMinutes(10)), events.decoder)) {
            applier.apply(batch.subList(0, 10));
            // the connection is terminated (as an administrator or a failover would) while the batch's insert is half done
            sql(url, "CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "IF NEW.id = 1000 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NEW; END $$; "
                    + "CREATE TRIGGER die BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION die()");
            java.sql.SQLException e = assertThrows(java.sql.SQLException.class, () -> applier.apply(batch));
            assertEquals(SqlErrors.Kind.RETRIABLE, SqlErrors.classify(e), SqlErrors.describe(e));
            assertEquals(List.of(List.of("10")), rows(url, "SELECT count(*) FROM items"), "the failed batch left nothing half-applied");
            sql(url, "DROP TRIGGER die ON items");
            applier.apply(batch);
        }
        assertEquals(List.of(List.of("2000", "2000", "row2000")), rows(url, "SELECT count(*), max(id), max(name) FILTER (WHERE id = 2000) FROM items"));
    }
}
