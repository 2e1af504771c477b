package io.tributary.capture.sqlite.wal;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One WAL epoch: the WAL from one (re)start to the next, identified by the salts (and checkpoint sequence)
 * of its header. SQLite starts a new epoch when a writer restarts the WAL after a checkpoint copied every
 * frame (salt-1 then grows by one), or when the WAL file is deleted and created again (fresh random salts).
 * Frames of an older epoch left in the file carry the older salts and are never read as this epoch's.
 *
 * <p>Not to be confused with a snapshot generation ({@code GenerationMarker}, the first part of an event
 * {@code Position}): an epoch belongs to the WAL file, a generation to the capture.
 *
 * <p>Holds the committed frames read so far and the cumulative checksum after the last commit, so that the
 * reader continues from there. Not thread-safe; owned by one {@link WalReader}.
 */
final class WalEpoch {
    final int pageSize;
    final ByteOrder checksumOrder;
    final int checkpointSeq;
    final int salt1;
    final int salt2;
    final FrameIndex index = new FrameIndex();
    private int[] commits = new int[16];
    private int commitCount;
    private int cks0;
    private int cks1;
    private int mxFrameSeen;

    WalEpoch(int pageSize, ByteOrder order, int checkpointSeq, int salt1, int salt2, int cks0, int cks1) {
        this.pageSize = pageSize;
        this.checksumOrder = order;
        this.checkpointSeq = checkpointSeq;
        this.salt1 = salt1;
        this.salt2 = salt2;
        this.cks0 = cks0;
        this.cks1 = cks1;
    }

    /** Commit frames after {@code frame}, in order. */
    int[] commitsAfter(int frame) {
        int i = commitCount;
        while (i > 0 && commits[i - 1] > frame) {
            i--;
        }
        return Arrays.copyOfRange(commits, i, commitCount);
    }

    /** Notes a wal-index {@code mxFrame} read for this epoch: every frame up to it was committed. */
    void sawMxFrame(int mxFrame) {
        if (Integer.compareUnsigned(mxFrame, mxFrameSeen) > 0) {
            mxFrameSeen = mxFrame;
        }
    }

    /** The largest {@code mxFrame} the wal-index named for this epoch: its frames up to there were committed. */
    int mxFrameSeen() {
        return mxFrameSeen;
    }

    int lastCommit() {
        return commitCount == 0 ? 0 : commits[commitCount - 1];
    }

    /** The position of commit frame {@code commitFrame} of this epoch. */
    WalPosition position(int commitFrame) {
        return WalPosition.of(checkpointSeq, salt1, salt2, commitFrame);
    }

    /** The checksum the next frame continues from: the one after the last commit read. */
    WalChecksum checksumAfterLastCommit() {
        return new WalChecksum(cks0, cks1);
    }

    /** Adds a committed transaction: its frames' pages in order, its commit frame and the checksum after it. */
    void commit(int frame, int[] pages, int count, WalChecksum ck) {
        index.append(pages, count);
        if (commitCount == commits.length) {
            commits = Arrays.copyOf(commits, commitCount * 2);
        }
        commits[commitCount++] = frame;
        cks0 = ck.s0();
        cks1 = ck.s1();
    }
}
