package io.tributary.capture.sqlite.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The database as of one point of a WAL epoch: page P is its last committed frame at or before
 * {@code limit}, else page P of the main database file, else (beyond the end of the file) zeros.
 *
 * <p>The main-file fallback is exact only while no checkpoint has copied a frame after {@code limit} into
 * the file; {@link WalDecoder} verifies that against the wal-index's nBackfillAttempted after reading.
 */
final class PageView {
    private final FileChannel db;
    private final FileChannel wal;
    private final FrameIndex index;
    final int pageSize;
    final int limit;

    PageView(FileChannel db, FileChannel wal, FrameIndex index, int pageSize, int limit) {
        this.db = db;
        this.wal = wal;
        this.index = index;
        this.pageSize = pageSize;
        this.limit = limit;
    }

    /** The frame that supplies page {@code pgno} in this view, or 0 for the main database file. */
    int version(int pgno) {
        return index == null ? 0 : index.latest(pgno, limit);
    }

    byte[] page(int pgno) throws IOException {
        if (pgno < 1) {
            throw new WalFormatException("page number " + pgno + " out of range");
        }
        byte[] page = new byte[pageSize];
        ByteBuffer b = ByteBuffer.wrap(page);
        int frame = version(pgno);
        if (frame > 0) {
            long pos = WalReader.HEADER_SIZE + (long) (frame - 1) * (WalReader.FRAME_HEADER_SIZE + pageSize)
                    + WalReader.FRAME_HEADER_SIZE;
            if (!WalReader.readFully(wal, b, pos)) {
                throw new WalFormatException("WAL frame " + frame + " is beyond the end of the WAL file");
            }
        } else {
            WalReader.readFully(db, b, (long) (pgno - 1) * pageSize);
        }
        return page;
    }
}
