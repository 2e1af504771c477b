package io.tributary.capture.sqlite.wal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Decodes the row changes of committed transactions from a live SQLite database's WAL, reading the
 * {@code -wal}, {@code -shm} and database files directly (never through SQLite, never taking its locks).
 *
 * <p>Guarantees: every transaction returned was committed, is returned once and in commit order, and its
 * changes are exact (see {@link RowChange}) for all ordinary tables (see {@link TableChanges}). A
 * transaction whose "before" state may have been overwritten by a checkpoint, or whose frames may have been
 * overwritten by a WAL restart while they were read, is not returned: {@link #poll()} throws
 * {@link WalGapException} instead and the decoder stays unusable.
 *
 * <p>Does not guarantee: that no transaction is missed across a WAL restart. If the application
 * checkpoints and restarts the WAL between two polls, the transactions committed in the old WAL epoch
 * after the last poll are gone without trace (SQLite leaves no record of them). A caller that needs every
 * transaction must stop checkpoints from passing its position, e.g. by holding a read transaction open
 * through SQLite at the decoded position. Also not supported: databases in exclusive locking mode (no
 * {@code -shm} file), and a writer on another host.
 *
 * <p>Cost: opening and every WAL restart read all pages of all tables once (to learn which page belongs to
 * which table); a transaction then costs reading its written pages, their ancestors, and the pages of the
 * rows it changed. Not thread-safe for concurrent polls; calls are serialised.
 */
public final class WalDecoder implements Closeable {
    private final FileChannel db;
    private final WalReader reader;
    private final PageOwners owners = new PageOwners();
    private WalEpoch epoch;
    private int decodedThrough;
    private Schema schema;
    private boolean broken;
    /** Pages written by the last decoded transaction; for tests. */
    int[] lastWritten = new int[0];
    /** Rows of a table matched by declared key in memory before they spill to a file in {@link #spillDir}. */
    private int spillRows = TransactionDiffer.SPILL_ROWS;
    private Path spillDir = Path.of(System.getProperty("java.io.tmpdir"));

    private WalDecoder(Path database) throws IOException {
        // the process's channel, never closed: closing a descriptor of the database file would drop SQLite's locks on it
        FileChannel ch = ProcessFiles.open(database);
        if (ch == null) {
            throw new NoSuchFileException(database.toString());
        }
        this.db = ch;
        this.reader = new WalReader(database);
    }

    /**
     * A decoder whose first {@link #poll()} returns every committed transaction of the current WAL
     * epoch. Throws {@link WalGapException} if a checkpoint already copied some of them into the
     * database file (their before images are then lost).
     */
    public static WalDecoder open(Path database) throws IOException {
        return start(database, false);
    }

    /** A decoder whose first {@link #poll()} returns only transactions committed after this call. */
    public static WalDecoder openAtEnd(Path database) throws IOException {
        return start(database, true);
    }

    /**
     * A decoder that continues after {@code position} (a position an earlier decoder reported), when it can
     * prove nothing after it is lost: the WAL epoch (salt set) is still the same and no checkpoint copied frames
     * past it into the database file. Otherwise throws {@link WalGapException}.
     */
    public static WalDecoder openAt(Path database, WalPosition position) throws IOException {
        return opened(database, d -> {
            WalEpoch now = d.epoch;
            if (now == null || !now.position(0).sameEpoch(position)) {
                throw new WalGapException("the WAL epoch of position " + position + " is gone (the WAL was restarted or deleted since)");
            }
            if (position.commitFrame() > Integer.toUnsignedLong(now.lastCommit())) {
                throw new WalGapException("position " + position + " is past the WAL's last commit frame " + now.lastCommit());
            }
            return (int) position.commitFrame();
        });
    }

    /**
     * Whether every frame of the WAL is already in the database file, so that a read transaction begun now
     * would use read mark 0 and protect no frame (see the tailer's pinning).
     */
    public synchronized boolean fullyCheckpointed() throws IOException {
        try {
            ShmHeader h = reader.shmHeader();
            return h == null || h.mxFrame() == h.nBackfill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading the wal-index");
        }
    }

    private static WalDecoder start(Path database, boolean atEnd) throws IOException {
        return opened(database, d -> atEnd && d.epoch != null ? d.epoch.lastCommit() : 0);
    }

    /** Chooses where a freshly opened decoder starts: the commit frame it has decoded through. */
    private interface Start {
        int decodedThrough(WalDecoder d) throws IOException;
    }

    private static WalDecoder opened(Path database, Start start) throws IOException {
        WalDecoder d = new WalDecoder(database);
        try {
            d.epoch = d.reader.poll();
            d.decodedThrough = start.decodedThrough(d);
            d.rebuild();
            d.verify(d.decodedThrough);
            return d;
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        } catch (InterruptedException e) {
            d.close();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while opening " + database);
        }
    }

    /**
     * The transactions committed since the last poll (possibly none), in commit order, each with all its changes
     * in memory: for tests and tools. The capture streams them instead ({@link #poll(ChangeSink)}).
     */
    public synchronized List<WalTransaction> poll() throws IOException {
        List<WalTransaction> out = new ArrayList<>();
        poll(new Collector(out));
        return out;
    }

    /**
     * Decodes the transactions committed since the last poll into {@code sink}, one change at a time, in commit
     * order; returns how many transactions there were (possibly none). Memory does not grow with a transaction's
     * rows (see {@link TransactionDiffer}). If it throws, discard what the sink received (see {@link ChangeSink}).
     */
    public synchronized int poll(ChangeSink sink) throws IOException {
        if (broken) {
            throw new IllegalStateException("this decoder failed earlier; open a new one");
        }
        try {
            WalEpoch now = reader.poll();
            int minLimit = decodedThrough;
            boolean readPages = false;
            if (now != epoch) {
                // a restart increments salt-1 by exactly one; anything else means a WAL epoch went by unseen
                if (epoch != null && now != null && now.salt1 != epoch.salt1 + 1) {
                    throw new WalGapException("the WAL went from salt-1 " + Integer.toUnsignedString(epoch.salt1) + " to "
                            + Integer.toUnsignedString(now.salt1) + ": a whole WAL epoch (or a deleted WAL) went by undecoded");
                }
                // the epoch left behind must have been decoded to its end: the frames the wal-index named as committed
                if (epoch != null && Integer.compareUnsigned(decodedThrough, epoch.mxFrameSeen()) < 0) {
                    throw new WalGapException("the WAL was restarted or deleted while frames " + (decodedThrough + 1) + ".."
                            + Integer.toUnsignedString(epoch.mxFrameSeen()) + " of its previous epoch, committed, were not decoded");
                }
                epoch = now;
                decodedThrough = 0;
                minLimit = 0;
                rebuild();
                readPages = true;
            }
            int count = 0;
            if (now != null) {
                for (int commit : now.commitsAfter(decodedThrough)) {
                    decode(decodedThrough, commit, sink);
                    decodedThrough = commit;
                    count++;
                }
            }
            if (readPages || count > 0) {
                verify(minLimit);
            }
            return count;
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        } catch (InterruptedException e) {
            broken = true;
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while polling the WAL");
        }
    }

    /** Collects streamed changes into whole transactions, table by table. */
    private static final class Collector implements ChangeSink {
        private final List<WalTransaction> out;
        private List<TableChanges> tables;
        private TableDef table;
        private List<RowChange> changes;

        Collector(List<WalTransaction> out) {
            this.out = out;
        }

        @Override
        public void begin(WalPosition position) {
            tables = new ArrayList<>();
            table = null;
        }

        @Override
        public void change(TableDef def, RowChange change) {
            if (def != table) {
                close();
                table = def;
                changes = new ArrayList<>();
            }
            changes.add(change);
        }

        @Override
        public void end(WalPosition position) {
            close();
            out.add(new WalTransaction(position, List.copyOf(tables)));
        }

        private void close() {
            if (table != null) {
                tables.add(new TableChanges(table, List.copyOf(changes)));
                table = null;
            }
        }
    }

    /**
     * Table {@code name} (case-insensitive, as in SQLite) as declared at the last decoded commit, or null when
     * there is no such ordinary table. Right after {@link #openAtEnd}, the schema a read transaction begun at
     * the same moment sees.
     */
    public synchronized TableDef table(String name) {
        return schema.table(name);
    }

    /** The position of the last decoded commit (commit frame 0: none yet), or null when there is no WAL content. */
    public synchronized WalPosition position() {
        WalEpoch now = epoch;
        return now == null ? null : now.position(decodedThrough);
    }

    private void decode(int previous, int commit, ChangeSink sink) throws IOException {
        BitSet seen = new BitSet();
        int[] written = new int[commit - previous];
        int n = 0;
        for (int f = previous + 1; f <= commit; f++) {
            int p = epoch.index.pageOf(f);
            if (!seen.get(p)) {
                seen.set(p);
                written[n++] = p;
            }
        }
        lastWritten = java.util.Arrays.copyOf(written, n);
        WalPosition position = epoch.position(commit);
        sink.begin(position);
        schema = new TransactionDiffer(owners, spillRows, spillDir).diff(view(previous), view(commit), schema, lastWritten, sink);
        sink.end(position);
    }

    /** Re-learns the schema and page owners from scratch at {@link #decodedThrough}. */
    private void rebuild() throws IOException {
        owners.reset();
        schema = learn(view(decodedThrough), owners);
    }

    private static Schema learn(PageView view, PageOwners into) throws IOException {
        Schema s = Schema.read(view);
        for (int i = 0; i < s.pages.length; i += 2) {
            into.set(s.pages[i], s.pages[i + 1]);
        }
        if (s.format != null) {
            TreeWalker w = new TreeWalker(view, s.format);
            for (TableDef t : s.tables.values()) {
                w.walk(t.rootPage, PageOwners.ROOT, !t.withoutRowid, null, p -> true, into::set);
            }
        }
        return s;
    }

    /**
     * After pages were read for views at or after frame {@code minLimit}: the WAL epoch must still be the
     * same (no restart overwrote frames) and no checkpoint may have started copying frames after
     * {@code minLimit} into the database file (nBackfillAttempted is published before the copying starts).
     */
    private void verify(int minLimit) throws IOException, InterruptedException {
        if (epoch == null) {
            return;
        }
        ShmHeader h = reader.shmHeader();
        if (h == null || h.salt1() != epoch.salt1 || h.salt2() != epoch.salt2) {
            throw new WalGapException("the WAL was restarted while it was being decoded");
        }
        if (Integer.compareUnsigned(h.nBackfillAttempted(), minLimit) > 0) {
            throw new WalGapException("a checkpoint copied frames " + (minLimit + 1) + ".." + h.nBackfillAttempted()
                    + " into the database file before they were decoded");
        }
    }

    private PageView view(int limit) throws IOException {
        WalEpoch now = epoch;
        if (now != null) {
            return new PageView(db, reader.walChannel(), now.index, now.pageSize, limit);
        }
        return new PageView(db, null, null, dbFilePageSize(), 0);
    }

    private int dbFilePageSize() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2);
        if (!WalReader.readFully(db, b, 16)) {
            return 4096;
        }
        int raw = b.getShort(0) & 0xffff;
        return raw == 1 ? 65536 : raw >= 512 ? raw : 4096;
    }

    /** Test hook: match rows by key in memory only up to {@code rows}, then in a file under {@code dir}. */
    synchronized void spill(int rows, Path dir) {
        this.spillRows = rows;
        this.spillDir = dir;
    }

    /** Test hook: whether the incrementally kept page owners equal owners learnt from scratch now. */
    synchronized boolean ownersConsistent() throws IOException {
        PageOwners fresh = new PageOwners();
        learn(view(decodedThrough), fresh);
        return fresh.describe().equals(owners.describe());
    }

    @Override
    public synchronized void close() throws IOException {
        // the database and -shm channels are the process's (ProcessFiles) and stay open: closing them would drop
        // SQLite's locks, the tailer's pins included
        try (WalReader r = reader) {
            broken = true;
        }
    }
}
