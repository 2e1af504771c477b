package io.tributary.capture.sqlite;

import io.tributary.capture.sqlite.wal.WalPosition;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.kafka.Topics;
import java.util.HashMap;
import java.util.Map;

/**
 * The capture's current source position, as the snapshot and streaming parts advance it: the snapshot
 * generation, the WAL epochs followed since, and the {@link WalPosition} of the last transaction written.
 * It stamps every event's {@link Position} and stores itself as the {@link TailPosition} in the same Kafka
 * transaction as the events up to it, so that after a crash the stored position and the events agree.
 *
 * <p>Event positions only grow within a table: a new generation is the snapshot's start time in ms and at
 * least the previous one plus one; snapshot rows are {@code [generation, 0, snapshot commit frame, n]};
 * streamed rows {@code [generation, WAL epoch, commit frame, ordinal in the transaction]}, where the WAL
 * epoch counts the WAL restarts followed since the snapshot (the commit frame starts again from 1 after
 * one). A table snapshotted alone ({@link #startTableGeneration}) gets a newer generation of its own while
 * the others keep theirs; its snapshot rows, taken at the WAL position reached then, are older than every
 * change streamed after them in that generation (a later commit frame, or a later epoch). A snapshot of every
 * table gives them all one generation newer than any before. Not thread-safe: owned by the tailer's thread.
 */
final class PositionContext {
    private final String source;
    private long generation;
    private final Map<String, Long> tables = new HashMap<>();
    private long epoch;
    private WalPosition wal;

    PositionContext(String source) {
        this.source = source;
    }

    /** Continues from a stored position whose WAL epoch is still readable. */
    void resume(TailPosition stored) {
        generation = stored.generation();
        tables.clear();
        tables.putAll(stored.tables());
        epoch = stored.epoch();
        wal = stored.wal();
    }

    /** Remembers the generations of a stored position that cannot be continued: the next snapshot must be newer. */
    void supersede(TailPosition stored) {
        generation = stored.tables().values().stream().reduce(stored.generation(), Math::max);
    }

    /** Starts a new snapshot generation of every table at WAL position {@code at} (null: no WAL content yet). */
    void startGeneration(WalPosition at) {
        generation = Math.max(System.currentTimeMillis(), newest() + 1);
        tables.clear();
        epoch = 0;
        wal = at;
    }

    /**
     * Starts a resync ({@link SqliteResync}) at WAL position {@code at} (null: no WAL content): every table
     * keeps its generation, and the WAL epoch counts one more than any event written so far carries, so the
     * resync's rows ({@link #resyncRow}) and everything streamed after them are newer than all of them.
     */
    void startResync(WalPosition at) {
        epoch++;
        wal = at;
    }

    /** The position of the n-th event (n from 1) of a resync of {@code table}: older than every change streamed after it. */
    Position resyncRow(String table, long n) {
        return Position.of(generation(table), epoch, wal == null ? 0 : wal.commitFrame(), n);
    }

    /** Starts a new generation of {@code table} alone, at the WAL position reached; returns it. */
    long startTableGeneration(String table) {
        long g = Math.max(System.currentTimeMillis(), generation(table) + 1);
        tables.put(table, g);
        return g;
    }

    /** The generation of the last snapshot of every table. */
    long generation() {
        return generation;
    }

    /** The generation {@code table}'s events are in. */
    long generation(String table) {
        return tables.getOrDefault(table, generation);
    }

    private long newest() {
        return tables.values().stream().reduce(generation, Math::max);
    }

    /** The WAL position of the last transaction written, or the snapshot's; null when the WAL had no content. */
    WalPosition wal() {
        return wal;
    }

    /** The position of the n-th snapshot row (n from 1) of {@code table}, at the WAL position reached. */
    Position snapshotRow(String table, long n) {
        return Position.of(generation(table), 0, wal == null ? 0 : wal.commitFrame(), n);
    }

    /** Enters a streamed transaction at {@code tx}: one in a new WAL epoch counts one more epoch. */
    void enter(WalPosition tx) {
        if (wal != null && !tx.sameEpoch(wal)) {
            epoch++;
        }
        wal = tx;
    }

    /** The position of the {@code ordinal}-th row change (from 1) of the transaction entered last, a row of {@code table}. */
    Position streamedRow(String table, long ordinal) {
        return Position.of(generation(table), epoch, wal.commitFrame(), ordinal);
    }

    /**
     * Writes this position without its WAL position after the events of the open Kafka transaction and
     * commits them together: a restart from it cannot resume the stream, and resyncs (a resync cut short).
     */
    void commitUnresumable(ChangeEventWriter writer) {
        writer.send(Topics.positions(source), TailPosition.key(source), new TailPosition(generation, epoch, null, true, tables, true).toValue());
        writer.commit();
    }

    /** Writes this position after the events of the open Kafka transaction and commits them together. */
    void commit(ChangeEventWriter writer, boolean snapshotDone) {
        writer.send(Topics.positions(source), TailPosition.key(source), new TailPosition(generation, epoch, wal, snapshotDone, tables).toValue());
        writer.commit();
    }
}
