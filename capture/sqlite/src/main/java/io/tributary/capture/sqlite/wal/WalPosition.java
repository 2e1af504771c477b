package io.tributary.capture.sqlite.wal;

/**
 * Where a committed transaction sits in the WAL: its {@link WalEpoch} (checkpoint sequence and salts from
 * the WAL header, which change whenever SQLite restarts the WAL) and its commit frame within that epoch.
 *
 * <p>Within one epoch, positions order transactions by commit frame. Across epochs, SQLite increments both
 * {@code checkpointSequence} and {@code salt1} on each restart, but a WAL that is deleted and re-created
 * starts with fresh random salts and sequence 0, so positions of different epochs are not comparable by
 * value alone; the decoder reports epochs in the order it saw them. All four numbers are the unsigned
 * 32-bit values of the file.
 *
 * <p>This is the decoder's position in the WAL file. The capture stores it inside its own source position
 * ({@code TailPosition}); a change event's {@code Position} is a different thing.
 */
public record WalPosition(long checkpointSequence, long salt1, long salt2, long commitFrame) {

    static WalPosition of(int checkpointSeq, int salt1, int salt2, int commitFrame) {
        return new WalPosition(Integer.toUnsignedLong(checkpointSeq), Integer.toUnsignedLong(salt1),
                Integer.toUnsignedLong(salt2), Integer.toUnsignedLong(commitFrame));
    }

    /** Whether {@code other} is in the same WAL epoch as this position (the same salt set). */
    public boolean sameEpoch(WalPosition other) {
        return checkpointSequence == other.checkpointSequence && salt1 == other.salt1 && salt2 == other.salt2;
    }
}
