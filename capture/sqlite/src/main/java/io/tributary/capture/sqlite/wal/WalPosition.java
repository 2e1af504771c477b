package io.tributary.capture.sqlite.wal;

/**
 * Where a committed transaction sits: its WAL generation (checkpoint sequence and salts from the WAL header,
 * which change whenever SQLite restarts the WAL) and its commit frame within that generation.
 *
 * <p>Within one generation, positions order transactions by commit frame. Across generations, SQLite
 * increments both {@code checkpointSequence} and {@code salt1} on each restart, but a WAL that is deleted
 * and re-created starts with fresh random salts and sequence 0, so positions of different generations are
 * not comparable by value alone; the decoder reports generations in the order it saw them.
 * All four numbers are the unsigned 32-bit values of the file.
 */
public record WalPosition(long checkpointSequence, long salt1, long salt2, long commitFrame) {

    static WalPosition of(int checkpointSeq, int salt1, int salt2, int commitFrame) {
        return new WalPosition(Integer.toUnsignedLong(checkpointSeq), Integer.toUnsignedLong(salt1),
                Integer.toUnsignedLong(salt2), Integer.toUnsignedLong(commitFrame));
    }

    /** Whether {@code other} is in the same WAL generation as this position. */
    public boolean sameGeneration(WalPosition other) {
        return checkpointSequence == other.checkpointSequence && salt1 == other.salt1 && salt2 == other.salt2;
    }
}
