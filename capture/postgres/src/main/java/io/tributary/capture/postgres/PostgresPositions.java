package io.tributary.capture.postgres;

import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import org.apache.kafka.connect.data.Struct;

/**
 * The {@link Position} of each event of one PostgreSQL source, in the order Debezium hands them over. The
 * first element is the event's table generation ({@link TableGenerations}): every snapshot of a table,
 * initial or later, starts a new, higher one, so its rows replace whatever an older generation left.
 *
 * <p>Contract (see {@link Position} and {@code docs/events.md}), with g the table's generation:
 * <ul>
 *   <li>a streamed change is {@code [g, commit LSN of the previous transaction, LSN of the change, ordinal
 *       among changes at that LSN]}. pgoutput does not give Debezium the current transaction's commit LSN,
 *       only the previous one's (the first element of the source field {@code sequence}); it grows strictly
 *       from one transaction to the next, and the change LSN grows within one, so streamed positions
 *       strictly grow. Changes that repeat the same (previous commit, LSN) pair get ordinals 0, 1, 2, ...;</li>
 *   <li>a row of the initial (blocking) snapshot is {@code [g, 0, 0, n]}, n = 1, 2, ... in the order the
 *       rows are read: older than any change streamed after it in the same generation;</li>
 *   <li>a row of an incremental snapshot chunk is {@code [g, P, 0, k]}, where P is the previous commit LSN
 *       at the point of the change stream where Debezium emits the chunk (where its watermark window closed)
 *       and k = 1, 2, ... among chunk rows emitted at that point. It is newer than every change of the
 *       transactions that committed before that point and older than every change of the transaction being
 *       streamed there and of every later one, whatever their LSNs (a later transaction may have written its
 *       changes before the previous commit record). Debezium's watermarks drop from the chunk every key changed
 *       while the window was open, so a chunk row never hides a change its SELECT did not see.</li>
 * </ul>
 *
 * <p>Not guaranteed: the counters live in this object only, so after a restart a blocking snapshot numbers
 * its rows from 1 again (it is then a new generation, which wins anyway) and a chunk re-read at the same
 * stream point may get a lower k than the first read of it; any change after that point still wins over both.
 * Without a {@code sequence} (or with {@code [null, ...]}) the previous commit counts as 0.
 *
 * <p>Not thread-safe: one instance per capture, called from Debezium's single engine thread.
 */
final class PostgresPositions {
    /** Debezium's {@code source.snapshot} value on the rows of an incremental snapshot. */
    static final String INCREMENTAL = "incremental";
    private long snapshotOrdinal;
    private long lastLsn = -1;
    private long lastCommit = -1;
    private long ordinalAtLsn;
    private long chunkCommit = -1;
    private long chunkOrdinal;

    /** The position of the next event of a table in {@code generation}: {@code source} is the Debezium {@code source} block of the event. */
    Position next(long generation, Op op, Struct source) {
        String sequence = source.getString("sequence");
        if (op == Op.READ) {
            return INCREMENTAL.equals(source.getString("snapshot")) ? chunkRow(generation, sequence) : snapshotRow(generation);
        }
        Long lsn = source.getInt64("lsn");
        return change(generation, sequence, lsn == null ? 0 : lsn);
    }

    /** The next row of a blocking snapshot: {@code [generation, 0, 0, n]}, n counting from 1. */
    Position snapshotRow(long generation) {
        return Position.of(generation, 0, 0, ++snapshotOrdinal);
    }

    /** The next row of an incremental snapshot chunk emitted where Debezium's {@code sequence} says the stream is. */
    Position chunkRow(long generation, String sequence) {
        long commit = previousCommitLsn(sequence);
        chunkOrdinal = commit == chunkCommit ? chunkOrdinal + 1 : 1;
        chunkCommit = commit;
        return Position.of(generation, commit, 0, chunkOrdinal);
    }

    /** The next streamed change at {@code lsn}, with Debezium's {@code sequence} text (may be null). */
    Position change(long generation, String sequence, long lsn) {
        long commit = previousCommitLsn(sequence);
        if (lsn == lastLsn && commit == lastCommit) {
            ordinalAtLsn++;
        } else {
            ordinalAtLsn = 0;
        }
        lastLsn = lsn;
        lastCommit = commit;
        return Position.of(generation, commit, lsn, ordinalAtLsn);
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
