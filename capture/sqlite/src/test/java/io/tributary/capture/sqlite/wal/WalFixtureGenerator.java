package io.tributary.capture.sqlite.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/**
 * Writes the binary WAL fixtures under {@code src/test/resources/wal/<case>/} (see the README there). Run
 * once by hand; the files are committed, and {@link WalFixturesTest} reads them.
 *
 * <p>Every case starts from the same database, written by SQLite through sqlite-jdbc with 512-byte pages
 * and automatic checkpoints off: transaction 1 creates {@code t (id INTEGER PRIMARY KEY, v TEXT)} (WAL frames
 * 1-2), transactions 2, 3 and 4 insert rows 1, 2 and 3 (frames 3, 4 and 5, one commit frame each). The
 * database file, the {@code -wal} file and the first {@value #SHM_HEADER} bytes of the {@code -shm} file (the
 * wal-index header, both copies, and the checkpoint info: all that the reader reads) are copied while the
 * connection is still open, so nothing is checkpointed. Then each case changes the copy as its name says.
 */
public final class WalFixtureGenerator {
    static final int SHM_HEADER = 136;
    static final int PAGE_SIZE = 512;
    static final int FRAME_SIZE = WalReader.FRAME_HEADER_SIZE + PAGE_SIZE;

    private WalFixtureGenerator() {
    }

    /** {@code args[0]}: the fixtures folder, {@code capture/sqlite/src/test/resources/wal}. */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Path work = Files.createTempDirectory("wal-fixtures");
        written(work);
        Files.createDirectories(out);
        copy(work, out.resolve("little-endian-checksums"));
        bigEndian(copy(work, out.resolve("big-endian-checksums")));
        tornTail(copy(work, out.resolve("torn-tail")));
        saltMismatch(copy(work, out.resolve("salt-mismatch")));
        checksumMismatch(copy(work, out.resolve("checksum-mismatch")));
        System.out.println("WAL fixtures written to " + out.toAbsolutePath());
    }

    /** The database as SQLite wrote it, in {@code dir}: app.db, app.db-wal, app.db-shm (header only). */
    private static void written(Path dir) throws SQLException, IOException {
        Path db = dir.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA page_size = " + PAGE_SIZE);
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA wal_autocheckpoint = 0");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            s.execute("INSERT INTO t VALUES (1, 'one')");
            s.execute("INSERT INTO t VALUES (2, 'two')");
            s.execute("INSERT INTO t VALUES (3, 'three')");
            Path keep = dir.resolve("kept");
            Files.createDirectories(keep);
            Files.copy(db, keep.resolve("app.db"));
            Files.copy(Path.of(db + "-wal"), keep.resolve("app.db-wal"));
            Files.write(keep.resolve("app.db-shm"), Arrays.copyOf(Files.readAllBytes(Path.of(db + "-shm")), SHM_HEADER));
        }
        ByteBuffer wal = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("kept/app.db-wal")));
        check(wal.getInt(0) == WalReader.MAGIC_LE, "SQLite on this machine wrote magic " + Integer.toHexString(wal.getInt(0))
                + "; the cases below assume a little-endian writer (0x377f0682)");
        check(wal.capacity() == WalReader.HEADER_SIZE + 5 * FRAME_SIZE, "expected 5 frames, the WAL has " + wal.capacity() + " bytes");
    }

    private static Path copy(Path work, Path to) throws IOException {
        Files.createDirectories(to);
        for (String f : new String[] {"app.db", "app.db-wal", "app.db-shm"}) {
            Files.copy(work.resolve("kept").resolve(f), to.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return to;
    }

    /**
     * The same WAL as a big-endian writer would have written it: magic 0x377f0683 and every checksum (the
     * header's and each frame's cumulative one) computed over big-endian words; the wal-index header says
     * so too (bigEndCksum, the last frame's checksum) and gets its own checksum again.
     */
    private static void bigEndian(Path dir) throws IOException {
        Path walFile = dir.resolve("app.db-wal");
        ByteBuffer wal = ByteBuffer.wrap(Files.readAllBytes(walFile)).order(ByteOrder.BIG_ENDIAN);
        wal.putInt(0, WalReader.MAGIC_BE);
        WalChecksum ck = new WalChecksum(0, 0);
        ck.add(wal, 0, 24, ByteOrder.BIG_ENDIAN);
        wal.putInt(24, ck.s0()).putInt(28, ck.s1());
        for (int o = WalReader.HEADER_SIZE; o + FRAME_SIZE <= wal.capacity(); o += FRAME_SIZE) {
            ck.add(wal, o, 8, ByteOrder.BIG_ENDIAN);
            ck.add(wal, o + WalReader.FRAME_HEADER_SIZE, PAGE_SIZE, ByteOrder.BIG_ENDIAN);
            wal.putInt(o + 16, ck.s0()).putInt(o + 20, ck.s1());
        }
        Files.write(walFile, wal.array());
        ByteBuffer shm = shm(dir);
        shm.put(13, (byte) 1);
        shm.putInt(24, ck.s0()).putInt(28, ck.s1());
        writeShm(dir, shm);
    }

    /** The last frame's header cut in half at the end of the file, while the wal-index still counts that frame. */
    private static void tornTail(Path dir) throws IOException {
        Path walFile = dir.resolve("app.db-wal");
        byte[] wal = Files.readAllBytes(walFile);
        Files.write(walFile, Arrays.copyOf(wal, WalReader.HEADER_SIZE + 4 * FRAME_SIZE + WalReader.FRAME_HEADER_SIZE / 2));
    }

    /**
     * Frame 5 (transaction 4) carries another salt-1 than the WAL header, as a frame left over from an earlier
     * WAL epoch does; its checksum is left as it was (the salts are not part of it), so only the salt check
     * can refuse it.
     */
    private static void saltMismatch(Path dir) throws IOException {
        Path walFile = dir.resolve("app.db-wal");
        ByteBuffer wal = ByteBuffer.wrap(Files.readAllBytes(walFile));
        int frame5 = WalReader.HEADER_SIZE + 4 * FRAME_SIZE;
        wal.putInt(frame5 + 8, wal.getInt(frame5 + 8) - 1);
        Files.write(walFile, wal.array());
    }

    /** One byte of frame 4's page (transaction 3, row 2) changed: its cumulative checksum no longer holds. */
    private static void checksumMismatch(Path dir) throws IOException {
        Path walFile = dir.resolve("app.db-wal");
        byte[] wal = Files.readAllBytes(walFile);
        wal[WalReader.HEADER_SIZE + 3 * FRAME_SIZE + WalReader.FRAME_HEADER_SIZE + PAGE_SIZE - 1] ^= 0x55;
        Files.write(walFile, wal);
    }

    private static ByteBuffer shm(Path dir) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(dir.resolve("app.db-shm"))).order(ByteOrder.nativeOrder());
    }

    /** Writes the wal-index header with its checksum (native byte order, over its first 40 bytes) into both copies. */
    private static void writeShm(Path dir, ByteBuffer shm) throws IOException {
        WalChecksum ck = new WalChecksum(0, 0);
        ck.add(shm, 0, 40, ByteOrder.nativeOrder());
        shm.putInt(40, ck.s0()).putInt(44, ck.s1());
        System.arraycopy(shm.array(), 0, shm.array(), 48, 48);
        Files.write(dir.resolve("app.db-shm"), shm.array());
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
