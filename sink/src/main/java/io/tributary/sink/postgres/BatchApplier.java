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
    private Connection db;
    private long lastSequenceUpdate;

    BatchApplier(PipelineConfig.Service service, ParkedEvents.Decoder decoder) {
        this.service = service;
        this.parked = new ParkedEvents(service, decoder);
        this.timescale = new TimescaleBatch(service);
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
            Outcome o = applyInTransaction(fresh);
            List<String> newGenerations = new ArrayList<>(GenerationFloor.read(db, newestSnapshotRows(fresh)));
            for (GenerationMarker m : markers) {
                if (GenerationFloor.receive(db, m)) {
                    newGenerations.add(m.table());
                }
            }
            timescale.owe(db, writers.values(), newGenerations);
            db.commit();
            return o;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            writers.clear(); // tables created in the rolled-back transaction are gone again
            throw e;
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
        Map<List<Object>, SinkEvent> newest = new LinkedHashMap<>();
        for (SinkEvent e : all) {
            List<Object> key = List.of(e.schema().table().topic(), e.keyValues());
            newest.merge(key, e, this::newer);
        }
        List<Long> done = new ArrayList<>();
        Set<SinkEvent> winners = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        winners.addAll(newest.values());
        for (SinkEvent e : all) {
            if (e.parkedId() != null && !winners.contains(e)) {
                done.add(e.parkedId()); // superseded by a newer event for the same key
            }
        }
        Map<TableSchema, List<SinkEvent>> groups = new LinkedHashMap<>();
        newest.values().forEach(e -> groups.computeIfAbsent(e.schema(), t -> new ArrayList<>()).add(e));
        List<DeadLetter> dead = new ArrayList<>();
        List<SinkEvent> missingParent = new ArrayList<>();
        Set<String> tables = new HashSet<>();
        for (Map.Entry<TableSchema, List<SinkEvent>> g : groups.entrySet()) {
            TableWriter writer = writer(g.getKey());
            tables.add(g.getKey().table().table());
            Savepoint sp = db.setSavepoint();
            try {
                write(writer, g.getValue());
                g.getValue().stream().filter(e -> e.parkedId() != null).forEach(e -> done.add(e.parkedId()));
            } catch (SQLException e) {
                if (SqlErrors.classify(e) == SqlErrors.Kind.RETRIABLE || SqlErrors.classify(e) == SqlErrors.Kind.FATAL) {
                    throw e;
                }
                db.rollback(sp);
                isolate(g.getValue(), dead, done, missingParent);
            }
        }
        // one more pass: a parent may have come in a later table group of this batch
        List<SinkEvent> stillMissing = new ArrayList<>();
        isolate(missingParent, dead, done, stillMissing);
        int[] parkedQuarantined = new int[2];
        for (SinkEvent e : stillMissing) {
            parkedQuarantined[parked.park(db, e, missingReason.get(e)) ? 0 : 1]++;
        }
        parked.remove(db, done);
        missingReason.clear();
        return new Outcome(all.size() - dead.size() - parkedQuarantined[0] - parkedQuarantined[1], dead,
                parkedQuarantined[0], parkedQuarantined[1], tables);
    }

    /**
     * Of two events for one key, the one the target must end with: by position, or by the table's
     * last-write-wins column first. A winner that leaves columns unchanged (TOAST values the source did not
     * send) takes those values from the event it replaces, so collapsing never loses them.
     */
    private SinkEvent newer(SinkEvent a, SinkEvent b) {
        String ts = service.options(a.schema().table().table()).lastWriteWinsColumn();
        boolean bWins = ts != null && a.op() != Op.DELETE && b.op() != Op.DELETE
                ? compareLww(a.after().get(ts), b.after().get(ts), a, b) <= 0
                : b.position().compareTo(a.position()) >= 0;
        SinkEvent winner = bWins ? b : a;
        SinkEvent loser = bWins ? a : b;
        if (winner.unchanged().isEmpty() || winner.op() == Op.DELETE || loser.op() == Op.DELETE) {
            return winner;
        }
        Map<String, Object> after = new java.util.HashMap<>(winner.after());
        List<String> stillUnchanged = new ArrayList<>();
        for (String col : winner.unchanged()) {
            if (loser.unchanged().contains(col)) {
                stillUnchanged.add(col);
            } else {
                after.put(col, loser.after().get(col));
            }
        }
        ChangeEvent w = winner.event();
        ChangeEvent merged = new ChangeEvent(w.schema(), w.op(), w.before(), after, w.position(), w.commitTsMs(), w.snapshot(),
                w.connector(), w.database(), w.txId(), w.lsn(), stillUnchanged, w.tsMs());
        return new SinkEvent(merged, winner.topic(), winner.partition(), winner.offset(), winner.rawKey(), winner.rawValue(), winner.parkedId());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareLww(Object tsA, Object tsB, SinkEvent a, SinkEvent b) {
        if (tsA == null || tsB == null) {
            return tsA == null && tsB == null ? a.position().compareTo(b.position()) : tsA == null ? -1 : 1;
        }
        int c = ((Comparable) tsA).compareTo(tsB);
        return c != 0 ? c : a.position().compareTo(b.position());
    }

    /** Why each event of the current batch lacks a parent, for parking it. */
    private final Map<SinkEvent, String> missingReason = new java.util.IdentityHashMap<>();

    /** Writes events one by one in savepoints; bad ones become dead letters, those lacking a parent go to {@code missingParent}. */
    private void isolate(List<SinkEvent> events, List<DeadLetter> dead, List<Long> done, List<SinkEvent> missingParent)
            throws SQLException {
        for (SinkEvent e : events) {
            Savepoint sp = db.setSavepoint();
            try {
                write(writer(e.schema()), List.of(e));
                if (e.parkedId() != null) {
                    done.add(e.parkedId());
                }
            } catch (SQLException ex) {
                SqlErrors.Kind kind = SqlErrors.classify(ex);
                if (kind == SqlErrors.Kind.RETRIABLE || kind == SqlErrors.Kind.FATAL) {
                    throw ex;
                }
                db.rollback(sp);
                String reason = SqlErrors.describe(ex);
                if (kind == SqlErrors.Kind.MISSING_PARENT) {
                    missingParent.add(e);
                    missingReason.put(e, reason);
                } else {
                    dead.add(new DeadLetter(e, reason));
                    if (e.parkedId() != null) {
                        done.add(e.parkedId());
                    }
                }
            }
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
                upserts.computeIfAbsent(Set.copyOf(e.unchanged()), u -> new ArrayList<>()).add(e);
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

    private TableWriter writer(TableSchema t) throws SQLException {
        TableWriter w = writers.get(t);
        if (w == null) {
            PipelineConfig.TableOptions options = service.options(t.table().table());
            TargetTables.ensure(db, t, options);
            boolean hypertable = options.timescale() != null && Hypertables.available(db) && Hypertables.isHypertable(db, t.table().table());
            w = new TableWriter(t, options, hypertable ? HypertableRows.of(db, t, options.timescale()) : null);
            writers.put(t, w);
        }
        return w;
    }

    private final Set<String> sequencesPending = new HashSet<>();

    /**
     * Moves sequences of the tables written since the last run past what was loaded, at most every
     * {@code everyMillis}; tables written meanwhile wait for the next run (call it when idle too).
     */
    void advanceSequences(Set<String> tables, long everyMillis) throws SQLException {
        sequencesPending.addAll(tables);
        if (System.currentTimeMillis() - lastSequenceUpdate < everyMillis || sequencesPending.isEmpty()) {
            return;
        }
        connect();
        for (String t : sequencesPending) {
            TargetTables.advanceSequences(db, t);
        }
        db.commit();
        sequencesPending.clear();
        lastSequenceUpdate = System.currentTimeMillis();
    }

    private void connect() throws SQLException {
        if (db == null || db.isClosed()) {
            writers.clear();
            db = Preflight.connect(service.target().url(), service.target().user(), service.target().password());
            db.setAutoCommit(false);
            if (timescale.declared()) {
                // plan each statement with its values: a generic plan can neither exclude chunks nor spare compressed batches
                try (java.sql.Statement s = db.createStatement()) {
                    s.execute("SET plan_cache_mode = force_custom_plan");
                }
            }
            TargetTables.ensureShared(db);
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
