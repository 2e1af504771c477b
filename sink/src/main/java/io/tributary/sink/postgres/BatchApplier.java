package io.tributary.sink.postgres;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.TableSchema;
import io.tributary.sink.timescale.Hypertables;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies batches of events to one service's target database, each batch in one transaction: the newest
 * event per key (across the batch and the events parked earlier) is written set-based per table version.
 * When a set-based statement fails on a record's data, the group is retried record by record inside
 * savepoints so that only the bad records are taken out: a child whose parent row is missing (23503) is
 * parked ({@link ParkedEvents}) and retried with every later batch, and quarantined with the reason once it
 * has waited {@code park-timeout}; any other data or constraint error (a CHECK, a NOT NULL) becomes
 * a dead letter for the caller to publish. Retriable and fatal errors are thrown with the transaction rolled
 * back, so the caller can retry the same batch.
 */
final class BatchApplier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchApplier.class);

    record DeadLetter(SinkEvent event, String reason) {
    }

    /** What one batch did; {@code applied} counts events written or found already applied (older than the target). */
    record Outcome(int applied, List<DeadLetter> deadLetters, int parked, int quarantined, Set<String> tables) {
    }

    private final PipelineConfig.Service service;
    private final ParkedEvents parked;
    private final Map<TableSchema, TableWriter> writers = new HashMap<>();
    private final TimescaleBatch timescale;
    private final GenerationFloor.Drain drain;
    private final SourceConstraints constraints;
    private Connection db;
    /** Whether the shared side tables are known to exist on this connection (see {@link TargetTables#ensureShared}). */
    private boolean shared;
    private long lastSequenceUpdate;

    BatchApplier(PipelineConfig.Service service, ParkedEvents.Decoder decoder) {
        this(service, decoder, GenerationFloor.Drain.ONE_PARTITION);
    }

    /** {@code drain}: when a waiting generation marker's rows are all read on topics of several partitions. */
    BatchApplier(PipelineConfig.Service service, ParkedEvents.Decoder decoder, GenerationFloor.Drain drain) {
        this.drain = drain;
        this.service = service;
        this.parked = new ParkedEvents(service, decoder);
        this.timescale = new TimescaleBatch(service);
        this.constraints = new SourceConstraints(service.name(),
                service.tables().stream().map(io.tributary.schemas.event.TableRef::table).collect(java.util.stream.Collectors.toSet()));
    }

    /**
     * Brings every existing table declared a hypertable to its declaration (see {@link TargetTables#reconcileTimescale});
     * a declaration TimescaleDB cannot follow is a {@link TargetSchemaException}.
     */
    void reconcileDeclared() throws SQLException {
        connect();
        try {
            for (Map.Entry<String, PipelineConfig.TableOptions> o : service.options().entrySet()) {
                TargetTables.reconcileTimescale(db, o.getKey(), o.getValue());
            }
            db.commit();
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            throw e;
        }
    }

    Outcome apply(List<SinkEvent> fresh) throws SQLException {
        return apply(fresh, List.of());
    }

    /**
     * Applies the events, then the markers (each of a table this service owns; see {@link GenerationFloor}), in
     * one transaction: a marker whose snapshot's last row is in this batch, or was read before, applies now;
     * others wait for it.
     */
    Outcome apply(List<SinkEvent> fresh, List<GenerationMarker> markers) throws SQLException {
        connect();
        try {
            markApplied();
            for (List<SinkEvent> version : bySchema(fresh).values()) {
                writer(version.get(0)); // every table of the batch is checked before the shared bookkeeping is created
            }
            if (!shared) {
                TargetTables.ensureShared(db, service.name(), service.tables().stream().map(service::targetTable).toList());
                shared = true;
            }
            Outcome o = applyInTransaction(fresh);
            List<String> newGenerations = new ArrayList<>(GenerationFloor.read(db, service.name(), newestSnapshotRows(fresh), drain));
            for (GenerationMarker m : markers) {
                if (GenerationFloor.receive(db, service.name(), m, drain)) {
                    newGenerations.add(m.table());
                }
            }
            timescale.owe(db, writers.values(), newGenerations);
            db.commit();
            return o;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            writers.clear(); // tables created in the rolled-back transaction are gone again
            shared = false;
            throw e;
        }
    }

    /**
     * Marks the transaction as Tributary's, before any write: a capture of this database leaves its row changes
     * out ({@link io.tributary.common.sql.Bookkeeping#APPLIED_MESSAGE}). First, because pgoutput sends a
     * transactional message where it was written, among the transaction's changes.
     */
    private void markApplied() throws SQLException {
        try (java.sql.PreparedStatement ps = db.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?)")) {
            ps.setString(1, io.tributary.common.sql.Bookkeeping.APPLIED_MESSAGE);
            ps.setString(2, service.name());
            ps.execute();
        }
    }

    /** Per table, the newest position among the snapshot rows (op {@code r}) of {@code events}. */
    private static Map<String, io.tributary.schemas.event.Position> newestSnapshotRows(List<SinkEvent> events) {
        Map<String, io.tributary.schemas.event.Position> newest = new HashMap<>();
        for (SinkEvent e : events) {
            if (e.op() == Op.READ) {
                newest.merge(e.schema().table().table(), e.position(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
            }
        }
        return newest;
    }

    private Outcome applyInTransaction(List<SinkEvent> fresh) throws SQLException {
        List<SinkEvent> all = new ArrayList<>(fresh);
        all.addAll(parked.load(db)); // after the fresh events: their parents may be among them
        timescale.start(all);
        List<KeyChanges> keys = KeyChanges.of(all, service);
        Set<Long> done = new HashSet<>();
        for (KeyChanges k : keys) {
            k.inOrder.stream().filter(e -> e.parkedId() != null && !k.writes(e)).forEach(e -> done.add(e.parkedId())); // superseded
        }
        Tally tally = new Tally(done);
        List<SinkEvent> waiting = new ArrayList<>();
        writeGroups(keys.stream().map(k -> k.deleteFirst).filter(java.util.Objects::nonNull).toList(), tally, waiting);
        writeGroups(keys.stream().map(k -> k.last).toList(), tally, waiting);
        List<SinkEvent> blocked = inSourceOrder(waiting, keys, tally);
        int parkedCount = 0;
        int quarantined = 0;
        for (SinkEvent e : blocked) {
            if (e.parkedId() != null) {
                done.remove(e.parkedId());
            }
            if (parked.park(db, e, tally.reasons.get(e))) {
                parkedCount++;
            } else {
                quarantined++;
            }
        }
        parked.remove(db, new ArrayList<>(done));
        return new Outcome(all.size() - tally.dead.size() - parkedCount - quarantined, tally.dead, parkedCount, quarantined, tally.tables);
    }

    /** What a batch's writes came to so far: dead letters, parked events done with, why events wait, tables written. */
    private record Tally(Set<Long> done, List<DeadLetter> dead, Map<SinkEvent, String> reasons, Set<String> tables) {
        Tally(Set<Long> done) {
            this(done, new ArrayList<>(), new java.util.IdentityHashMap<>(), new HashSet<>());
        }

        void applied(SinkEvent e) {
            if (e.parkedId() != null) {
                done.add(e.parkedId());
            }
        }
    }

    /**
     * Writes the events set-based, one group per table version; a group that fails on a record's data is
     * written again one record at a time ({@link #isolate}): bad records become dead letters, records that a
     * later event may make possible (a parent, a unique value another row still holds) go to {@code waiting}.
     */
    private void writeGroups(List<SinkEvent> events, Tally tally, List<SinkEvent> waiting) throws SQLException {
        for (Map.Entry<TableSchema, List<SinkEvent>> g : bySchema(events).entrySet()) {
            TableWriter writer = writer(g.getValue().get(0));
            tally.tables.add(g.getKey().table().table());
            Savepoint sp = db.setSavepoint();
            try {
                write(writer, g.getValue());
                g.getValue().forEach(tally::applied);
            } catch (SQLException e) {
                if (!SqlErrors.classify(e).perRecord()) {
                    throw e;
                }
                db.rollback(sp);
                for (SinkEvent one : g.getValue()) {
                    if (!isolate(one, tally)) {
                        waiting.add(one);
                    }
                }
            }
        }
    }

    /**
     * The events per table version, in the order versions first appear. A schema's hash covers all its columns, so
     * it is taken once per run of events sharing one schema instance (a decoder's events of one version share it).
     */
    private static Map<TableSchema, List<SinkEvent>> bySchema(List<SinkEvent> events) {
        Map<TableSchema, List<SinkEvent>> groups = new LinkedHashMap<>();
        TableSchema current = null;
        List<SinkEvent> group = null;
        for (SinkEvent e : events) {
            if (e.schema() != current) {
                current = e.schema();
                group = groups.computeIfAbsent(current, t -> new ArrayList<>());
            }
            group.add(e);
        }
        return groups;
    }

    /**
     * Writes one event in a savepoint. True when it is done with (applied, or a dead letter); false when it
     * waits for another event (its reason noted in the tally).
     */
    private boolean isolate(SinkEvent e, Tally tally) throws SQLException {
        Savepoint sp = db.setSavepoint();
        try {
            write(writer(e), List.of(e));
            tally.applied(e);
            return true;
        } catch (SQLException ex) {
            SqlErrors.Kind kind = SqlErrors.classify(ex);
            if (!kind.perRecord()) {
                throw ex;
            }
            db.rollback(sp);
            String reason = SqlErrors.describe(ex);
            if (kind.waits()) {
                tally.reasons.put(e, reason);
                return false;
            }
            tally.dead.add(new DeadLetter(e, reason));
            tally.applied(e); // a parked event that became a dead letter leaves the parked table
            return true;
        }
    }

    /**
     * The keys whose net change could not be written yet, written again event by event in source order, as the
     * source made them: a user's email moving to another user through a temporary one needs the temporary step
     * the batch collapsed away, a child needs its parent from a later group of the batch. Once an event of a
     * key waits, the key's later events wait behind it. Passes repeat while one makes progress; what still
     * waits is returned, to be parked.
     */
    private List<SinkEvent> inSourceOrder(List<SinkEvent> waiting, List<KeyChanges> keys, Tally tally) throws SQLException {
        if (waiting.isEmpty()) {
            return List.of();
        }
        Set<List<Object>> waitingKeys = new HashSet<>();
        waiting.forEach(e -> waitingKeys.add(KeyChanges.key(e)));
        List<SinkEvent> pending = new ArrayList<>();
        for (KeyChanges k : keys) {
            if (waitingKeys.contains(KeyChanges.key(k.last))) {
                pending.addAll(k.inOrder);
            }
        }
        pending.sort(java.util.Comparator.comparing(SinkEvent::position));
        while (true) {
            List<SinkEvent> blocked = new ArrayList<>();
            Map<List<Object>, String> blockedKeys = new HashMap<>();
            for (SinkEvent e : pending) {
                String behind = blockedKeys.get(KeyChanges.key(e));
                if (behind != null) {
                    tally.reasons.put(e, "waits behind an earlier event of its key: " + behind);
                } else if (isolate(e, tally)) {
                    continue;
                }
                blocked.add(e);
                blockedKeys.putIfAbsent(KeyChanges.key(e), tally.reasons.get(e));
            }
            if (blocked.isEmpty() || blocked.size() == pending.size()) {
                return blocked;
            }
            pending = blocked;
        }
    }

    private void write(TableWriter writer, List<SinkEvent> events) throws SQLException {
        try {
            writeUnchecked(writer, events);
        } catch (RuntimeException e) {
            // a value that cannot be bound (a time of 24:00, say) is that record's problem: a dead letter
            throw new SQLException("cannot write " + (events.size() == 1 ? events.get(0).describe() : events.size() + " events")
                    + ": a value cannot be bound (" + e.getClass().getSimpleName() + ")", "22000", e);
        }
    }

    private void writeUnchecked(TableWriter writer, List<SinkEvent> events) throws SQLException {
        List<SinkEvent> deletes = new ArrayList<>();
        Map<Set<String>, List<SinkEvent>> upserts = new LinkedHashMap<>();
        for (SinkEvent e : events) {
            if (e.op() == Op.DELETE) {
                deletes.add(e);
            } else {
                upserts.computeIfAbsent(e.unchanged().isEmpty() ? Set.of() : Set.copyOf(e.unchanged()), u -> new ArrayList<>()).add(e);
            }
        }
        for (Map.Entry<Set<String>, List<SinkEvent>> u : upserts.entrySet()) {
            if (u.getKey().isEmpty()) {
                writer.upsert(db, u.getValue(), Set.of(), timescale.prior(writer));
            } else {
                for (SinkEvent e : u.getValue()) {
                    if (writer.upsert(db, List.of(e), u.getKey(), timescale.prior(writer)) == 0 && !writer.exists(db, e) && !writer.deletedSince(db, e)) {
                        throw new SQLException("update of " + e.describe() + " leaves columns " + u.getKey() + " unchanged (unchanged TOAST values "
                                + "the source did not send), but the target has no such row to keep them from; re-snapshot the table", "22000");
                    }
                }
            }
        }
        writer.delete(db, deletes, timescale.prior(writer));
    }

    boolean hasParked() throws SQLException {
        connect();
        boolean any = parked.any(db);
        db.commit();
        return any;
    }

    /** Whether parked events or generation markers wait for a retry (which an empty batch gives them). */
    boolean hasWaiting() throws SQLException {
        connect();
        boolean any = parked.any(db) || GenerationFloor.anyWaiting(db, service.name());
        db.commit();
        return any;
    }

    /** The writer of {@code e}'s table version, its target table made to fit first. */
    private TableWriter writer(SinkEvent e) throws SQLException {
        TableSchema t = e.schema();
        TableWriter w = writers.get(t);
        if (w == null) {
            PipelineConfig.TableOptions options = service.options(t.table().table());
            TargetTypes types = TargetTypes.of(db, e.event());
            Map<String, ColumnBinding> converted = TargetTables.ensure(db, t, options, types);
            constraints.track(t, options.sourceConstraints());
            boolean hypertable = options.timescale() != null && Hypertables.available(db) && Hypertables.isHypertable(db, t.table().table());
            w = new TableWriter(t, service.name(), options, hypertable ? HypertableRows.of(db, t, options.timescale()) : null, types, converted);
            writers.put(t, w);
        }
        return w;
    }

    private final Set<String> sequencesPending = new HashSet<>();

    /**
     * Moves sequences of the tables written since the last run past what was loaded, at most every
     * {@code everyMillis}; tables written meanwhile wait for the next run (call it when idle too). Adds the
     * source constraints whose snapshots are complete at the same pace ({@link SourceConstraints}).
     */
    void advanceSequences(Set<String> tables, long everyMillis) throws SQLException {
        sequencesPending.addAll(tables);
        if (System.currentTimeMillis() - lastSequenceUpdate < everyMillis || sequencesPending.isEmpty() && !constraints.pending()) {
            return;
        }
        connect();
        for (String t : sequencesPending) {
            io.tributary.common.sql.Sequences.advance(db, t);
        }
        constraints.addDue(db);
        db.commit();
        sequencesPending.clear();
        lastSequenceUpdate = System.currentTimeMillis();
    }

    private void connect() throws SQLException {
        if (db == null || db.isClosed()) {
            writers.clear();
            shared = false;
            db = Preflight.connect(service.target().url(), service.target().user(), service.target().password());
            db.setAutoCommit(false);
            if (timescale.declared()) {
                // plan each statement with its values: a generic plan can neither exclude chunks nor spare compressed batches
                try (java.sql.Statement s = db.createStatement()) {
                    s.execute("SET plan_cache_mode = force_custom_plan");
                }
            }
        }
    }

    private void rollbackQuietly() {
        try {
            if (db != null && !db.isClosed()) {
                db.rollback();
            }
        } catch (SQLException e) {
            close();
        }
    }

    @Override
    public void close() {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException e) {
                log.debug("closing target connection failed service={} error={}", service.name(), e.toString());
            }
            db = null;
        }
    }
}
