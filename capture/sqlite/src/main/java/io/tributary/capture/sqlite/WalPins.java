package io.tributary.capture.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Keeps the WAL frames the tailer has not decoded yet from being checkpointed away or overwritten by a WAL
 * restart, by holding a SQLite read transaction. A read transaction with read mark m > 0 stops checkpoints
 * from copying frames after m and stops restarts. One begun on a fully checkpointed WAL holds read lock 0
 * instead: then no checkpoint can copy anything (copying needs read lock 0 exclusively) and the WAL can
 * restart at most once, from its start, which the decoder follows ({@code ReadMarkZeroTest}: another process
 * committing and checkpointing in all four modes after every transaction under such a pin loses nothing;
 * without the pin the same run decodes none of its 117 transactions).
 *
 * <p>Two read connections take turns, so that one transaction is always held: a new read transaction is
 * begun first (its mark is the WAL's end at that moment), the decoder then catches up past that mark, and
 * only then is the older one released.
 *
 * <p>The connections stay open for the life of the process: POSIX locks belong to the whole process, and
 * closing any descriptor of the database or {@code -shm} file would drop SQLite's locks. For the same
 * reason nothing else in the process may close such a descriptor while pins are held (the decoder reads
 * those files through {@code wal.ProcessFiles}, whose descriptors are never closed).
 */
final class WalPins implements AutoCloseable {
    private final Connection[] conns = new Connection[2];
    private final LockWaits locks;
    private int current = -1;

    /** {@code locks} waits out a database locked by the application when a read transaction is begun. */
    WalPins(Path database, LockWaits locks) throws SQLException {
        this.locks = locks;
        for (int i = 0; i < 2; i++) {
            conns[i] = DriverManager.getConnection("jdbc:sqlite:file:" + database);
            try (Statement s = conns[i].createStatement()) {
                s.execute("PRAGMA query_only = 1");
                s.execute("PRAGMA busy_timeout = 5000");
            }
            conns[i].setAutoCommit(false);
        }
    }

    /**
     * Begins a read transaction on the other connection and returns it; the one held now is still held. The
     * other connection's read transaction, if it still has one (a hand-over cut short by a failed poll, so
     * {@link #releasePrevious} never ran), is ended first: the new one always reads the database as it is
     * now, never an older state.
     */
    Connection holdNext() throws SQLException, InterruptedException {
        int next = current < 0 ? 0 : 1 - current;
        conns[next].rollback();
        locks.retry("pin", () -> {
            try (Statement s = conns[next].createStatement()) {
                s.executeQuery("SELECT count(*) FROM sqlite_schema").close();
            }
            return null;
        });
        current = next;
        return conns[next];
    }

    /** Ends the older read transaction, keeping the one begun last. */
    void releasePrevious() throws SQLException {
        if (current >= 0) {
            conns[1 - current].rollback();
        }
    }

    /** Ends both read transactions: nothing is pinned until {@link #holdNext()}. */
    void releaseAll() throws SQLException {
        for (Connection c : conns) {
            c.rollback();
        }
        current = -1;
    }

    /** The connection whose read transaction is held now. */
    Connection held() {
        return conns[current];
    }

    @Override
    public void close() throws SQLException {
        for (Connection c : conns) {
            c.rollback();
            c.close();
        }
    }
}
