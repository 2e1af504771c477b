package io.tributary.capture.sqlite.wal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads the committed frames of a database's {@code -wal} file without SQLite and without its locks.
 *
 * <p>Guarantees: a frame is indexed only if (1) it is at or below {@code mxFrame} of a stable wal-index
 * header, so its transaction was committed when the header was read, (2) its salts equal the WAL header's
 * and those equal the wal-index header's, (3) the cumulative checksum from the WAL header up to it holds,
 * and (4) it belongs to a transaction whose commit frame passes (1)-(3). Frames after {@code mxFrame} (a
 * half-written, rolled-back or overwritten tail) are never read. A frame at or below {@code mxFrame} that
 * fails (2) or (3), or is cut off by the end of the file, is one of two things: the WAL was restarted or
 * truncated between reading the wal-index header and the frame (the header read again shows other salts or
 * a smaller {@code mxFrame}), which ends the readable data for this poll and the next poll follows the new
 * WAL epoch; or, with the header unchanged, a committed frame is corrupt, a {@link WalGapException} naming
 * the frame: the transactions from it on cannot be decoded, and that is never silent (the cases are files
 * under {@code src/test/resources/wal/}, see {@code WalFixturesTest}). Checksums are verified in the byte order
 * the WAL's magic declares (0x377f0682 little-endian, 0x377f0683 big-endian).
 * A change of salts in the wal-index header means the WAL was restarted (a new {@link WalEpoch}); the reader
 * then starts over at frame 1 of the new epoch.
 *
 * <p>Does not guarantee that frames stay readable after they were indexed: a checkpoint may restart the
 * WAL and overwrite them. {@link WalDecoder} checks that after reading their pages.
 */
final class WalReader implements Closeable {
    static final int MAGIC_LE = 0x377f0682;
    static final int MAGIC_BE = 0x377f0683;
    static final int HEADER_SIZE = 32;
    static final int FRAME_HEADER_SIZE = 24;
    private static final int CHUNK = 1 << 20;

    private final Path walPath;
    private final Path shmPath;
    private FileChannel wal;
    private FileChannel shm;
    private Object shmKey;
    private WalEpoch epoch;

    WalReader(Path database) {
        this.walPath = Path.of(database + "-wal");
        this.shmPath = Path.of(database + "-shm");
    }

    /** The current WAL epoch after this poll, or null if there is no readable WAL content. */
    WalEpoch poll() throws IOException, InterruptedException {
        ShmHeader h = shmHeader();
        if (h == null) {
            return epoch;
        }
        if (epoch != null && (h.salt1() != epoch.salt1 || h.salt2() != epoch.salt2)) {
            epoch = null;
        }
        if (h.mxFrame() == 0) {
            return epoch;
        }
        if (epoch == null) {
            epoch = readHeader(h);
            if (epoch == null) {
                return null;
            }
        }
        epoch.sawMxFrame(h.mxFrame());
        readFrames(epoch, h.mxFrame());
        return epoch;
    }

    /** A fresh read of the wal-index header, or null if there is none. */
    ShmHeader shmHeader() throws IOException, InterruptedException {
        Object key = ProcessFiles.fileKey(shmPath);
        if (shm == null || key == null || !key.equals(shmKey)) {
            // never closed: closing a descriptor of the -shm drops this process's SQLite locks on it (see ProcessFiles)
            shm = ProcessFiles.open(shmPath);
            shmKey = key;
            if (shm == null) {
                return null;
            }
        }
        return ShmHeader.read(shm);
    }

    FileChannel walChannel() {
        return wal;
    }

    private WalEpoch readHeader(ShmHeader h) throws IOException {
        if (wal != null) {
            wal.close();
        }
        wal = open(walPath);
        if (wal == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.BIG_ENDIAN);
        if (!readFully(wal, b, 0)) {
            return null;
        }
        int magic = b.getInt(0);
        if (magic != MAGIC_LE && magic != MAGIC_BE) {
            return null;
        }
        if (b.getInt(4) != ShmHeader.VERSION) {
            throw new WalFormatException("unsupported WAL format version " + b.getInt(4));
        }
        int pageSize = b.getInt(8);
        if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
            return null;
        }
        ByteOrder order = magic == MAGIC_BE ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        WalChecksum ck = new WalChecksum(0, 0);
        ck.add(b, 0, 24, order);
        if (ck.s0() != b.getInt(24) || ck.s1() != b.getInt(28) || b.getInt(16) != h.salt1() || b.getInt(20) != h.salt2()) {
            return null;
        }
        return new WalEpoch(pageSize, order, b.getInt(12), b.getInt(16), b.getInt(20), ck.s0(), ck.s1());
    }

    private void readFrames(WalEpoch ep, int mxFrame) throws IOException {
        int frameSize = FRAME_HEADER_SIZE + ep.pageSize;
        int perChunk = Math.max(1, CHUNK / frameSize);
        ByteBuffer buf = ByteBuffer.allocate(perChunk * frameSize).order(ByteOrder.BIG_ENDIAN);
        WalChecksum ck = ep.checksumAfterLastCommit();
        int[] pending = new int[16];
        int count = 0;
        int first = ep.index.frames() + 1;
        for (int f = first; f <= mxFrame; ) {
            int n = Math.min(perChunk, mxFrame - f + 1);
            buf.clear().limit(n * frameSize);
            int whole = readUpTo(wal, buf, HEADER_SIZE + (long) (f - 1) * frameSize) / frameSize;
            for (int i = 0; i < whole; i++, f++) {
                int o = i * frameSize;
                int pgno = buf.getInt(o);
                if (pgno == 0 || buf.getInt(o + 8) != ep.salt1 || buf.getInt(o + 12) != ep.salt2) {
                    unreadable(ep, f, "its salts are not the WAL header's");
                    return;
                }
                ck.add(buf, o, 8, ep.checksumOrder);
                ck.add(buf, o + FRAME_HEADER_SIZE, ep.pageSize, ep.checksumOrder);
                if (ck.s0() != buf.getInt(o + 16) || ck.s1() != buf.getInt(o + 20)) {
                    unreadable(ep, f, "its checksum does not hold");
                    return;
                }
                if (count == pending.length) {
                    pending = Arrays.copyOf(pending, count * 2);
                }
                pending[count++] = pgno;
                if (buf.getInt(o + 4) != 0) {
                    ep.commit(f, pending, count, ck);
                    count = 0;
                }
            }
            if (whole < n) {
                unreadable(ep, f, "the WAL file ends before it");
                return;
            }
        }
    }

    /**
     * Frame {@code frame}, at or below the {@code mxFrame} just read, cannot be read. Returns (the data ends
     * here for this poll) when the wal-index header now names another WAL epoch or fewer frames: the WAL was
     * restarted or truncated under this read. Throws {@link WalGapException} when it still counts the frame
     * as committed in this epoch: the frame is corrupt.
     */
    private void unreadable(WalEpoch ep, int frame, String why) throws IOException {
        ShmHeader again;
        try {
            again = shmHeader();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading the wal-index");
        }
        if (again != null && again.salt1() == ep.salt1 && again.salt2() == ep.salt2
                && Integer.compareUnsigned(again.mxFrame(), frame) >= 0) {
            throw new WalGapException("committed WAL frame " + frame + " of " + walPath.getFileName() + " is corrupt (" + why
                    + ", yet the wal-index counts it as committed, mxFrame=" + Integer.toUnsignedString(again.mxFrame())
                    + "): the transactions from frame " + frame + " on cannot be decoded; check the disk and the file's writers");
        }
    }

    /** Reads into {@code b} from {@code pos} until it is full or the file ends; the number of bytes read. */
    private static int readUpTo(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        int start = b.position();
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position() - start) < 0) {
                break;
            }
        }
        return b.position() - start;
    }

    static boolean readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                return false;
            }
        }
        return true;
    }

    private static FileChannel open(Path p) throws IOException {
        try {
            return FileChannel.open(p, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        // only the -wal channel: the -shm one belongs to the process (ProcessFiles)
        try (FileChannel a = wal) {
            epoch = null;
            shm = null;
        }
    }
}
