package io.tributary.capture.postgres;

import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import org.apache.kafka.connect.data.Struct;

/**
 * The {@link Position} of each event of one PostgreSQL source, in the order Debezium hands them over. The
 * first element is the event's table generation ({@link TableGenerations}): every snapshot of a table,
 * initial or later, starts a new, higher one, and every change of the table streamed from then on carries it.
 *
 * <p>Contract (see {@link Position} and {@code docs/events.md}), with g the table's generation:
 * <ul>
 *   <li>a streamed change is {@code [g, commit LSN of the previous transaction, LSN of the change, ordinal
 *       among changes at that LSN]}. pgoutput does not give Debezium the current transaction's commit LSN,
 *       only the previous one's (the first element of the source field {@code sequence}); it grows strictly
 *       from one transaction to the next, and the change LSN grows within one, so streamed positions
 *       strictly grow. Changes that repeat the same (previous commit, LSN) pair get ordinals 0, 1, 2, ...;</li>
 *   <li>a snapshot row, of the initial (blocking) snapshot or of an incremental snapshot's chunk alike, is
 *       {@code [g, 0, 0, n]}, n growing in the order the rows are handed over: newer than everything of older
 *       generations, older than every change streamed in its own generation.</li>
 * </ul>
 * Why a chunk row may lose to every change of its generation, wherever its watermark window was: the
 * generation starts before Debezium is asked for the snapshot, so every change the table gets from then on
 * is streamed in it. For a key changed since, the newest streamed change is the truth, whatever the chunk
 * read; for a key not changed since, the chunk row is, and it replaces the older generation's copy. So the
 * target ends exact even where Debezium's watermarks fail to drop a key changed during a chunk's read (its
 * first chunk is read on another thread than the stream, DBZ-8674); the watermarks only spare the sink rows
 * it would refuse.
 *
 * <p>Snapshot rows grow in the order they are handed over, so the sink can tell when it has read a
 * snapshot's last row ({@code GenerationMarker.through}). A restarted capture continues the numbering past
 * the newest row it recorded plus one engine batch ({@link #continueAfter}), the most it can have sent
 * without recording it.
 *
 * <p>Not guaranteed: the ordinal at an LSN lives in this object only. Without a {@code sequence} (or with
 * {@code [null, ...]}) the previous commit counts as 0.
 *
 * <p>Not thread-safe: one instance per capture, called from Debezium's single engine thread.
 */
final class PostgresPositions {
    private long snapshotOrdinal;
    private long lastLsn = -1;
    private long lastCommit = -1;
    private long ordinalAtLsn;

    /** Snapshot rows from now on are numbered after {@code ordinal}. */
    void continueAfter(long ordinal) {
        snapshotOrdinal = Math.max(snapshotOrdinal, ordinal);
    }

    /** The position of the next event of a table in {@code generation}: {@code source} is the Debezium {@code source} block of the event. */
    Position next(long generation, Op op, Struct source) {
        if (op == Op.READ) {
            return snapshotRow(generation);
        }
        Long lsn = source.getInt64("lsn");
        return change(generation, source.getString("sequence"), lsn == null ? 0 : lsn);
    }

    /** The next snapshot row: {@code [generation, 0, 0, n]}. */
    Position snapshotRow(long generation) {
        return Position.of(generation, 0, 0, ++snapshotOrdinal);
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
     * ({@code ["<previous commit LSN>","<change LSN>"]}); 0 when the text or that element is missing, empty or
     * {@code null}. The element is what comes before the first comma, with every bracket, double quote and space
     * dropped; anything else in it but an LSN throws {@link NumberFormatException}.
     *
     * <p>Called for every streamed change, so a scan of the characters, without a regex or a split: the digits
     * of the common form are added up as they come, and any other element (null, a sign, more digits than a
     * long surely holds) is left to {@link #unusualFirstElement}.
     */
    static long previousCommitLsn(String sequence) {
        if (sequence == null) {
            return 0;
        }
        long lsn = 0;
        int digits = 0;
        for (int i = 0; i < sequence.length(); i++) {
            char c = sequence.charAt(i);
            if (c == ',') {
                break;
            }
            if (dropped(c)) {
                continue;
            }
            if (c < '0' || c > '9' || digits == SAFE_DIGITS) {
                return unusualFirstElement(sequence);
            }
            lsn = lsn * 10 + (c - '0');
            digits++;
        }
        return lsn;
    }

    /** Digits that always fit a long: 18 nines are below {@link Long#MAX_VALUE}, 19 may not be. */
    private static final int SAFE_DIGITS = 18;

    /** Brackets, quotes and spaces around (or inside) the first element are not part of its value. */
    private static boolean dropped(char c) {
        return c == '[' || c == ']' || c == '"' || c == ' ';
    }

    /** The first element when it is not plain digits: 0 when it reads {@code null}, else as {@link Long#parseLong} reads it, or refuses it. */
    private static long unusualFirstElement(String sequence) {
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < sequence.length() && sequence.charAt(i) != ','; i++) {
            if (!dropped(sequence.charAt(i))) {
                first.append(sequence.charAt(i));
            }
        }
        String text = first.toString();
        return text.equals("null") ? 0 : Long.parseLong(text);
    }
}
