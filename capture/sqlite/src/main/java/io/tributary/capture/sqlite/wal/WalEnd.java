package io.tributary.capture.sqlite.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Where a database's WAL ends now: the salts of its current epoch and its last committed frame, read from
 * the wal-index header ({@code -shm}) without SQLite and without its locks (the descriptor stays open for the
 * life of the process, see {@link ProcessFiles}). Everything the application committed before the read is
 * at or before this frame, or already in the database file.
 *
 * <p>Does not guarantee that the frame is still in the WAL a moment later: a checkpoint may restart the WAL
 * (a new epoch, other salts) right after the read.
 *
 * @param salt1     the epoch's first salt (unsigned, as {@link WalPosition} holds it)
 * @param salt2     the epoch's second salt
 * @param lastFrame the last committed frame ({@code mxFrame}); 0 when the epoch has no frame yet
 */
public record WalEnd(long salt1, long salt2, long lastFrame) {
    /** The WAL's end now; null when there is no wal-index (no WAL content: everything is in the database file). */
    public static WalEnd read(Path database) throws IOException, InterruptedException {
        FileChannel shm = ProcessFiles.open(Path.of(database + "-shm"));
        ShmHeader h = shm == null ? null : ShmHeader.read(shm);
        return h == null ? null : new WalEnd(Integer.toUnsignedLong(h.salt1()), Integer.toUnsignedLong(h.salt2()),
                Integer.toUnsignedLong(h.mxFrame()));
    }

    /** Whether {@code p} is in this WAL epoch (the same salts). */
    public boolean sameEpoch(WalPosition p) {
        return p != null && p.salt1() == salt1 && p.salt2() == salt2;
    }
}
