package io.tributary.capture.sqlite;

import io.tributary.capture.sqlite.wal.WalPosition;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.kafka.Topics;

/**
 * The capture's current source position, as the snapshot and streaming parts advance it: the snapshot
 * generation, the WAL epochs followed since, and the {@link WalPosition} of the last transaction written.
 * It stamps every event's {@link Position} and stores itself as the {@link TailPosition} in the same Kafka
 * transaction as the events up to it, so that after a crash the stored position and the events agree.
 *
 * <p>Event positions only grow within a source: a new generation is the snapshot's start time in ms and at
 * least the previous one plus one; snapshot rows are {@code [generation, 0, snapshot commit frame, n]};
 * streamed rows {@code [generation, WAL epoch, commit frame, ordinal in the transaction]}, where the WAL
 * epoch counts the WAL restarts followed since the snapshot (the commit frame starts again from 1 after
 * one). Not thread-safe: owned by the tailer's thread.
 */
final class PositionContext {
    private final String source;
    private long generation;
    private long epoch;
    private WalPosition wal;

    PositionContext(String source) {
        this.source = source;
    }

    /** Continues from a stored position whose WAL epoch is still readable. */
    void resume(TailPosition stored) {
        generation = stored.generation();
        epoch = stored.epoch();
        wal = stored.wal();
    }

    /** Remembers the generation of a stored position that cannot be continued: the next snapshot must be newer. */
    void supersede(TailPosition stored) {
        generation = stored.generation();
    }

    /** Starts a new snapshot generation at WAL position {@code at} (null: no WAL content yet). */
    void startGeneration(WalPosition at) {
        generation = Math.max(System.currentTimeMillis(), generation + 1);
        epoch = 0;
        wal = at;
    }

    long generation() {
        return generation;
    }

    /** The WAL position of the last transaction written, or the snapshot's; null when the WAL had no content. */
    WalPosition wal() {
        return wal;
    }

    /** The position of the n-th snapshot row (n from 1). */
    Position snapshotRow(long n) {
        return Position.of(generation, 0, wal == null ? 0 : wal.commitFrame(), n);
    }

    /** Enters a streamed transaction at {@code tx}: one in a new WAL epoch counts one more epoch. */
    void enter(WalPosition tx) {
        if (wal != null && !tx.sameEpoch(wal)) {
            epoch++;
        }
        wal = tx;
    }

    /** The position of the {@code ordinal}-th row change (from 1) of the transaction entered last. */
    Position streamedRow(long ordinal) {
        return Position.of(generation, epoch, wal.commitFrame(), ordinal);
    }

    /** Writes this position after the events of the open Kafka transaction and commits them together. */
    void commit(ChangeEventWriter writer, boolean snapshotDone) {
        writer.send(Topics.positions(source), TailPosition.key(source), new TailPosition(generation, epoch, wal, snapshotDone).toValue());
        writer.commit();
    }
}
