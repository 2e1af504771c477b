package io.tributary.capture.sqlite.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL cases that matter, as committed files ({@code src/test/resources/wal/<case>/}, made by
 * {@link WalFixtureGenerator}; the README there says how): a database whose WAL holds transaction 1 (CREATE
 * TABLE t) and transactions 2-4 (rows 1-3), as SQLite wrote it or damaged. Each case is decoded from a copy,
 * and what the decoder returns is checked against the documented outcome and against what SQLite's own WAL
 * recovery reads from the same database and WAL files: the decoder never accepts a frame SQLite would not,
 * and a damaged tail is the end of the data, not an error.
 */
class WalFixturesTest {
    private static final Map<List<Object>, List<Object>> ALL_ROWS = Map.of(
            List.of(1L), List.of(1L, "one"), List.of(2L), List.of(2L, "two"), List.of(3L), List.of(3L, "three"));

    @TempDir
    Path dir;

    @Test
    void littleEndianChecksumsAsSqliteWroteThem() throws Exception {
        Path db = copy("little-endian-checksums");
        assertEquals(WalReader.MAGIC_LE, magic(db));
        assertDecodes(db, 4, 5, ALL_ROWS);
        assertEquals(ALL_ROWS, recoveredBySqlite("little-endian-checksums"));
    }

    @Test
    void bigEndianChecksumsAreVerifiedInBigEndianOrder() throws Exception {
        Path db = copy("big-endian-checksums");
        assertEquals(WalReader.MAGIC_BE, magic(db));
        assertDecodes(db, 4, 5, ALL_ROWS);
        assertEquals(ALL_ROWS, recoveredBySqlite("big-endian-checksums"));
    }

    /** The big-endian checksums read as little-endian ones (only the magic changed) do not hold: nothing is accepted. */
    @Test
    void checksumsOfTheOtherByteOrderAreRefused() throws Exception {
        Path db = copy("big-endian-checksums");
        setMagic(db, WalReader.MAGIC_LE);
        try (WalDecoder d = WalDecoder.open(db)) {
            assertEquals(List.of(), d.poll());
            assertNull(d.position(), "no WAL content was accepted");
        }
    }

    /**
     * Frame 5's header is cut in half at the end of the file while it is being appended: the wal-index does
     * not count it yet (mxFrame 4), so the data ends before it, not an error.
     */
    @Test
    void aTornTailIsTheEndOfTheDataNotAnError() throws Exception {
        Path db = copy("torn-tail");
        assertEquals(WalReader.HEADER_SIZE + 4 * WalFixtureGenerator.FRAME_SIZE + WalReader.FRAME_HEADER_SIZE / 2,
                Files.size(Path.of(db + "-wal")));
        setMxFrame(db, 4);
        Map<List<Object>, List<Object>> rows = Map.of(List.of(1L), List.of(1L, "one"), List.of(2L), List.of(2L, "two"));
        assertDecodes(db, 3, 4, rows);
        assertEquals(rows, recoveredBySqlite("torn-tail"));
    }

    /** The same file while the wal-index counts frame 5 as committed: a committed frame is missing, a gap. */
    @Test
    void aCommittedFrameCutOffIsAGap() throws Exception {
        assertGap(copy("torn-tail"), 5);
    }

    /** Frame 5 carries the salt-1 of an earlier WAL epoch (its checksum is intact) and is not counted: not this epoch's. */
    @Test
    void aFrameWithAnotherSaltIsNotAccepted() throws Exception {
        Path db = copy("salt-mismatch");
        setMxFrame(db, 4);
        Map<List<Object>, List<Object>> rows = Map.of(List.of(1L), List.of(1L, "one"), List.of(2L), List.of(2L, "two"));
        assertDecodes(db, 3, 4, rows);
        assertEquals(rows, recoveredBySqlite("salt-mismatch"));
    }

    /** The same frame while the wal-index counts it as committed in this epoch: corrupt, a gap. */
    @Test
    void aCommittedFrameWithAnotherSaltIsAGap() throws Exception {
        assertGap(copy("salt-mismatch"), 5);
    }

    /**
     * Frame 4's page was changed, and the wal-index counts only frames 1-3 (as after a crash while frame 4 was
     * written): its checksum fails, the data ends before it.
     */
    @Test
    void aFrameWhoseChecksumFailsEndsTheData() throws Exception {
        Path db = copy("checksum-mismatch");
        setMxFrame(db, 3);
        Map<List<Object>, List<Object>> rows = Map.of(List.of(1L), List.of(1L, "one"));
        assertDecodes(db, 2, 3, rows);
        assertEquals(rows, recoveredBySqlite("checksum-mismatch"));
    }

    /**
     * Frame 4's page was changed while the wal-index counts frames 1-5 as committed: a corrupt committed frame.
     * It once ended the data silently and transactions 3 and 4 vanished; now it is a gap naming the frame.
     */
    @Test
    void aCorruptCommittedFrameIsAGap() throws Exception {
        assertGap(copy("checksum-mismatch"), 4);
    }

    private static void assertGap(Path db, int frame) {
        WalGapException gap = assertThrows(WalGapException.class, () -> {
            try (WalDecoder d = WalDecoder.open(db)) {
                d.poll();
            }
        });
        assertTrue(gap.getMessage().contains("committed WAL frame " + frame + " "), gap::getMessage);
    }

    /** Rewrites the case's wal-index header (both copies, with its checksum) to count {@code mxFrame} frames. */
    private static void setMxFrame(Path db, int mxFrame) throws IOException {
        Path shm = Path.of(db + "-shm");
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(shm)).order(java.nio.ByteOrder.nativeOrder());
        b.putInt(16, mxFrame);
        WalChecksum ck = new WalChecksum(0, 0);
        ck.add(b, 0, 40, java.nio.ByteOrder.nativeOrder());
        b.putInt(40, ck.s0()).putInt(44, ck.s1());
        System.arraycopy(b.array(), 0, b.array(), 48, 48);
        Files.write(shm, b.array());
    }

    /**
     * Decodes the case from the start: {@code transactions} transactions up to commit frame {@code lastCommit},
     * replaying to {@code rows}; polling again returns nothing more and throws nothing.
     */
    private static void assertDecodes(Path db, int transactions, int lastCommit, Map<List<Object>, List<Object>> rows) throws IOException {
        try (WalDecoder d = WalDecoder.open(db)) {
            List<WalTransaction> txs = d.poll();
            assertEquals(transactions, txs.size(), () -> "transactions decoded: " + txs.stream().map(WalTransaction::position).toList());
            assertEquals(lastCommit, d.position().commitFrame());
            Map<List<Object>, List<Object>> replay = new HashMap<>();
            for (WalTransaction tx : txs) {
                for (TableChanges tc : tx.tables()) {
                    for (RowChange rc : tc.changes()) {
                        assertTrue(rc.before() == null, "only inserts in these cases: " + rc);
                        replay.put(rc.key(), rc.after());
                    }
                }
            }
            assertEquals(rows, replay);
            assertEquals(List.of(), d.poll(), "the damaged frames stay refused");
            assertEquals(lastCommit, d.position().commitFrame());
        }
    }

    /** What SQLite reads from the case's database and WAL: its recovery rebuilds the wal-index, verifying salts and checksums. */
    private Map<List<Object>, List<Object>> recoveredBySqlite(String name) throws Exception {
        Path copy = dir.resolve("recovered-" + name);
        Files.createDirectories(copy);
        for (String f : new String[] {"app.db", "app.db-wal"}) {
            try (InputStream in = resource(name + "/" + f)) {
                Files.copy(in, copy.resolve(f));
            }
        }
        Map<List<Object>, List<Object>> rows = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy.resolve("app.db"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, v FROM t")) {
            while (rs.next()) {
                rows.put(List.of(rs.getLong(1)), List.of(rs.getLong(1), rs.getString(2)));
            }
        }
        return rows;
    }

    private Path copy(String name) throws IOException {
        Path copy = dir.resolve(name);
        Files.createDirectories(copy);
        for (String f : new String[] {"app.db", "app.db-wal", "app.db-shm"}) {
            try (InputStream in = resource(name + "/" + f)) {
                Files.copy(in, copy.resolve(f));
            }
        }
        return copy.resolve("app.db");
    }

    private static InputStream resource(String path) throws IOException {
        InputStream in = WalFixturesTest.class.getResourceAsStream("/wal/" + path);
        if (in == null) {
            throw new IOException("fixture wal/" + path + " is missing from the test resources");
        }
        return in;
    }

    private static int magic(Path db) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(Path.of(db + "-wal"))).getInt(0);
    }

    private static void setMagic(Path db, int magic) throws IOException {
        Path wal = Path.of(db + "-wal");
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(wal));
        b.putInt(0, magic);
        Files.write(wal, b.array());
    }
}
