package io.tributary.capture.postgres;

import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import org.apache.kafka.connect.data.Struct;

/**
 * The {@link Position} of each event of one PostgreSQL source, in the order Debezium hands them over.
 *
 * <p>Contract (see {@link Position}): a streamed change is {@code [0, commit LSN of the previous
 * transaction, LSN of the change, ordinal among changes at that LSN]}; a snapshot row is
 * {@code [0, 0, 0, n]} with n = 1, 2, ... in the order the rows are read. pgoutput does not give Debezium
 * the current transaction's commit LSN, only the previous one's (the first element of the source field
 * {@code sequence}); it grows strictly from one transaction to the next, and the change LSN grows within
 * one, so streamed positions strictly grow. Changes that repeat the same (previous commit, LSN) pair get
 * ordinals 0, 1, 2, ... so they still grow. A snapshot row is older than any change streamed after it.
 *
 * <p>Not guaranteed: the snapshot counter and the ordinal live in this object only. A snapshot taken again
 * (a process that stopped mid-snapshot) numbers its rows from 1 again, so a row can get a lower position
 * than the one the sink stored for it the first time. Without a {@code sequence} (or with
 * {@code [null, ...]}) the previous commit counts as 0.
 *
 * <p>Not thread-safe: one instance per capture, called from Debezium's single engine thread.
 */
final class PostgresPositions {
    private long snapshotOrdinal;
    private long lastLsn = -1;
    private long lastCommit = -1;
    private long ordinalAtLsn;

    /** The position of the next event: {@code source} is the Debezium {@code source} block of the event. */
    Position next(Op op, Struct source) {
        if (op == Op.READ) {
            return snapshotRow();
        }
        String sequence = source.getString("sequence");
        Long lsn = source.getInt64("lsn");
        return change(sequence, lsn == null ? 0 : lsn);
    }

    /** The next snapshot row: {@code [0, 0, 0, n]}, n counting from 1. */
    Position snapshotRow() {
        return Position.of(0, 0, 0, ++snapshotOrdinal);
    }

    /** The next streamed change at {@code lsn}, with Debezium's {@code sequence} text (may be null). */
    Position change(String sequence, long lsn) {
        long commit = previousCommitLsn(sequence);
        if (lsn == lastLsn && commit == lastCommit) {
            ordinalAtLsn++;
        } else {
            ordinalAtLsn = 0;
        }
        lastLsn = lsn;
        lastCommit = commit;
        return Position.of(0, commit, lsn, ordinalAtLsn);
    }

    /**
     * The first element of Debezium's {@code sequence}, a JSON array of LSNs as strings
     * ({@code ["<previous commit LSN>","<change LSN>"]}); 0 when the text or that element is missing or null.
     */
    static long previousCommitLsn(String sequence) {
        if (sequence == null) {
            return 0;
        }
        String first = sequence.replaceAll("[\\[\\]\" ]", "").split(",")[0];
        return first.isEmpty() || first.equals("null") ? 0 : Long.parseLong(first);
    }
}
