package io.tributary.sink.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.testkit.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Batches that must end as the same events applied one by one would: last-write-wins with deletes, unique
 * values other than the key moving between rows, a new generation under foreign keys, services sharing a target.
 */
class BatchConflictsIT {
    private final SinkEvents events = new SinkEvents();

    static List<List<String>> rows(String url, String sql) throws Exception {
        return io.tributary.testkit.Sql.rows(url, sql);
    }

    static void sql(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private SinkEvent item(Op op, long id, String name, String qty, long updatedMicros, long pos) {
        return events.event(SinkEvents.ITEMS, op, null, SinkEvents.item(id, name, qty, 1.0, updatedMicros, null), pos, List.of());
    }

    /**
     * 30 keys written, then deleted and inserted again with an older timestamp while the sink was stopped: the
     * source holds the re-inserted rows. One batch must end as one event per batch does.
     */
    @Test
    void lastWriteWinsWithDeletesEndsTheSameInOneBatchAsOneByOne() throws Exception {
        for (boolean soft : new boolean[] {false, true}) {
            var options = Map.of("items", new PipelineConfig.TableOptions(soft, "updated_at"));
            List<SinkEvent> first = new ArrayList<>();
            List<SinkEvent> whileStopped = new ArrayList<>();
            for (long id = 1; id <= 30; id++) {
                first.add(item(Op.CREATE, id, "first", "1", 2_000_000L, id));
                whileStopped.add(events.delete(id, 100 + id));
                whileStopped.add(item(Op.CREATE, id, "again", "1", 1_000_000L, 200 + id));
            }
            String batched = TestServers.newDatabase("lww_del_batch_" + soft);
            String oneByOne = TestServers.newDatabase("lww_del_single_" + soft);
            try (BatchApplier a = new BatchApplier(SinkEvents.service(batched, options, Duration.ofMinutes(10)), events.decoder);
                 BatchApplier b = new BatchApplier(SinkEvents.service(oneByOne, options, Duration.ofMinutes(10)), events.decoder)) {
                a.apply(first);
                a.apply(whileStopped);
                for (SinkEvent e : first) {
                    b.apply(List.of(e));
                }
                for (SinkEvent e : whileStopped) {
                    b.apply(List.of(e));
                }
            }
            String visible = "SELECT id, name FROM items" + (soft ? " WHERE NOT " + Bookkeeping.DELETED : "") + " ORDER BY id";
            List<List<String>> want = rows(oneByOne, visible);
            assertEquals(30, want.size(), "one by one, every re-inserted row is there (soft=" + soft + ")");
            assertTrue(want.stream().allMatch(r -> r.get(1).equals("again")), want.toString());
            assertEquals(want, rows(batched, visible), "soft=" + soft);
        }
    }

    /** A DECIMAL last-write-wins column decides as a number: 10 is newer than 9, whatever their text says. */
    @Test
    void aDecimalLastWriteWinsColumnComparesAsANumberInsideABatch() throws Exception {
        String url = TestServers.newDatabase("lww_decimal");
        var options = Map.of("items", new PipelineConfig.TableOptions(false, "qty"));
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, options, Duration.ofMinutes(10)), events.decoder)) {
            applier.apply(List.of(item(Op.CREATE, 1, "ten", "10", 1L, 1), item(Op.UPDATE, 1, "nine", "9", 1L, 2)));
        }
        assertEquals(List.of(List.of("ten")), rows(url, "SELECT name FROM items"));
    }

    static final TableSchema USERS = new TableSchema(new TableRef("src", "public", "users"), List.of(
            new Column("id", ColumnType.INT64, "INT8", false),
            new Column("email", ColumnType.TEXT, "TEXT", false)), List.of("id"));

    private SinkEvent user(long id, String email, long pos) {
        return events.event(USERS, Op.UPDATE, null, Map.of("id", id, "email", email), pos, List.of());
    }

    private static PipelineConfig.Service usersService(String url) {
        return new PipelineConfig.Service("svc", "g", SinkEvents.service(url, Map.of(), Duration.ZERO).target(), List.of(USERS.table()),
                Map.of(), Duration.ofMinutes(10));
    }

    /**
     * Two users swap emails through a temporary one while the sink is stopped; started again, it reads the
     * moves in one batch, which collapses the temporary step away. The target ends with the swap, nothing
     * dead-lettered.
     */
    @Test
    void usersSwappingEmailsThroughATemporaryOneInOneBatch() throws Exception {
        String url = TestServers.newDatabase("unique_swap");
        sql(url, "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE)");
        try (BatchApplier applier = new BatchApplier(usersService(url), events.decoder)) {
            applier.apply(List.of(user(1, "a@x", 1), user(2, "b@x", 2)));
            BatchApplier.Outcome o = applier.apply(List.of(user(1, "tmp@x", 10), user(2, "a@x", 11), user(1, "b@x", 12)));
            assertEquals(List.of(), o.deadLetters());
            assertEquals(0, o.parked());
        }
        assertEquals(List.of(List.of("1", "b@x"), List.of("2", "a@x")), rows(url, "SELECT id, email FROM users ORDER BY id"));
    }

    /**
     * A value that moves to a row whose own change is in a later batch parks, and applies with that batch; one
     * that stays impossible (the target holds it elsewhere for good) is quarantined after park-timeout.
     */
    @Test
    void aUniqueValueStillHeldWaitsForTheRowHoldingItAndOnlyTheImpossibleIsQuarantined() throws Exception {
        String url = TestServers.newDatabase("unique_park");
        sql(url, "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE)");
        try (BatchApplier applier = new BatchApplier(usersService(url), events.decoder)) {
            applier.apply(List.of(user(1, "a@x", 1), user(2, "b@x", 2)));
            BatchApplier.Outcome first = applier.apply(List.of(user(3, "a@x", 10)));
            assertEquals(1, first.parked());
            assertEquals(List.of(), first.deadLetters());
            applier.apply(List.of(user(1, "c@x", 9)));
            assertEquals(List.of(List.of("1", "c@x"), List.of("2", "b@x"), List.of("3", "a@x")), rows(url, "SELECT id, email FROM users ORDER BY id"));
            assertEquals(List.of(List.of("0")), rows(url, "SELECT count(*) FROM " + Bookkeeping.PARKED));
            BatchApplier.Outcome impossible = applier.apply(List.of(user(4, "b@x", 20)));
            assertEquals(1, impossible.parked());
            sql(url, "UPDATE " + Bookkeeping.PARKED + " SET first_seen = first_seen - interval '11 minutes'");
            assertEquals(1, applier.apply(List.of()).quarantined());
        }
        List<List<String>> q = rows(url, "SELECT table_name, reason FROM " + Bookkeeping.QUARANTINE);
        assertEquals("users", q.get(0).get(0));
        assertTrue(q.get(0).get(1).startsWith("still impossible") && q.get(0).get(1).contains("23505"), q.get(0).get(1));
    }

    private SinkEvent parent(long id, Op op, Position pos) {
        return parent("svc", id, op, pos);
    }

    private SinkEvent parent(String service, long id, Op op, Position pos) {
        return events.event(service, BatchApplierIT.PARENTS, op, op == Op.DELETE ? Map.of("id", id) : null, op == Op.DELETE ? null : Map.of("id", id), pos, List.of());
    }

    private SinkEvent child(long id, long parentId, Op op, Position pos) {
        return child("svc", id, parentId, op, pos);
    }

    private SinkEvent child(String service, long id, long parentId, Op op, Position pos) {
        Map<String, Object> row = Map.of("id", id, "parent_id", parentId);
        return events.event(service, BatchApplierIT.CHILDREN, op, op == Op.DELETE ? row : null, op == Op.DELETE ? null : row, pos, List.of());
    }

    private static PipelineConfig.Service fkService(String url, String name) {
        return new PipelineConfig.Service(name, "g-" + name, SinkEvents.service(url, Map.of(), Duration.ZERO).target(),
                List.of(BatchApplierIT.PARENTS.table(), BatchApplierIT.CHILDREN.table()), Map.of(), Duration.ofMinutes(10));
    }

    /**
     * A new generation of a parent table drops the parents it did not bring again; a child still pointing at
     * one (its own delete not read yet) must not make the batch fail (it used to stop the sink, again at each
     * restart). The parent goes once the child has.
     */
    @Test
    void aNewGenerationOfAParentTableWaitsForChildrenStillReferencingOldRows() throws Exception {
        String url = TestServers.newDatabase("generation_fk");
        sql(url, "CREATE TABLE parents (id bigint PRIMARY KEY); CREATE TABLE children (id bigint PRIMARY KEY, parent_id bigint REFERENCES parents(id))");
        try (BatchApplier applier = new BatchApplier(fkService(url, "svc"), events.decoder)) {
            applier.apply(List.of(parent(1, Op.READ, Position.of(1, 0, 0, 1)), parent(2, Op.READ, Position.of(1, 0, 0, 2)),
                    child(10, 2, Op.READ, Position.of(1, 0, 0, 3))));
            // parent 2 and its child were deleted while nobody watched; the parents' new snapshot brings parent 1 alone
            applier.apply(List.of(parent(1, Op.READ, Position.of(2, 0, 0, 1))), List.of(new GenerationMarker("src", "parents", 2, Position.of(2, 0, 0, 1))));
            assertEquals(List.of(List.of("1"), List.of("2")), rows(url, "SELECT id FROM parents ORDER BY id"), "parent 2 is held by its child");
            applier.apply(List.of(child(10, 2, Op.DELETE, Position.of(1, 5, 5, 0))));
            assertEquals(List.of(List.of("1")), rows(url, "SELECT id FROM parents ORDER BY id"), "swept once the child is gone");
            assertEquals(List.of(List.of("f")), rows(url, "SELECT sweep_pending FROM " + Bookkeeping.FLOOR + " WHERE table_name = 'parents'"));
        }
    }

    /**
     * Two services writing into one database: each retries only its own parked events, and each keeps its own
     * generation floor.
     */
    @Test
    void servicesSharingATargetKeepTheirParkedEventsAndFloorsApart() throws Exception {
        String url = TestServers.newDatabase("shared_target");
        sql(url, "CREATE TABLE parents (id bigint PRIMARY KEY); CREATE TABLE children (id bigint PRIMARY KEY, parent_id bigint REFERENCES parents(id))");
        try (BatchApplier a = new BatchApplier(fkService(url, "svc_a"), events.decoder);
             BatchApplier b = new BatchApplier(fkService(url, "svc_b"), events.decoder)) {
            assertEquals(1, a.apply(List.of(child("svc_a", 10, 1, Op.CREATE, Position.of(0, 1, 1, 0)))).parked());
            BatchApplier.Outcome other = b.apply(List.of(parent("svc_b", 1, Op.CREATE, Position.of(0, 2, 2, 0))));
            assertEquals(1, other.applied(), "service b applied its own event and none of a's");
            assertEquals(List.of(), rows(url, "SELECT id FROM children"));
            assertTrue(!b.hasParked() && a.hasParked(), "each service sees only its own parked events");
            // b's new generation of children refuses b's older events, not a's
            b.apply(List.of(), List.of(new GenerationMarker("src", "children", 5)));
            assertEquals(List.of(List.of("svc_b", "5")), rows(url, "SELECT service, generation FROM " + Bookkeeping.FLOOR + " WHERE table_name = 'children'"));
            a.apply(List.of());
            assertEquals(List.of(List.of("10", "1")), rows(url, "SELECT id, parent_id FROM children"));
        }
    }

    /** A floor kept by a version before services were told apart is taken over by the service owning the table. */
    @Test
    void aFloorStoredBeforeServicesWereToldApartIsTakenOverByItsService() throws Exception {
        String url = TestServers.newDatabase("floor_upgrade");
        sql(url, "CREATE TABLE " + Bookkeeping.FLOOR + " (table_name text PRIMARY KEY, generation bigint NOT NULL); "
                + "INSERT INTO " + Bookkeeping.FLOOR + " VALUES ('items', 7)");
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, Map.of(), Duration.ofMinutes(10)), events.decoder)) {
            applier.apply(List.of(item(Op.UPDATE, 1, "old generation", "1", 1L, 5), // position [0, 5, 5, 0]: generation 0
                    events.event(SinkEvents.ITEMS, Op.UPDATE, null, SinkEvents.item(2, "new", "1", 1.0, 1L, null), Position.of(7, 1, 1, 0), List.of())));
        }
        assertEquals(List.of(List.of("svc", "items", "7")), rows(url, "SELECT service, table_name, generation FROM " + Bookkeeping.FLOOR));
        assertEquals(List.of(List.of("2", "new")), rows(url, "SELECT id, name FROM items"), "the floor still refuses older generations");
    }
}
