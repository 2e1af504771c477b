package io.tributary.common.lease;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lease of a SQLite source: an operating-system lock on a file beside the database
 * ({@code <database>-tributary.lock}). The system frees it when the process ends, however it ends. Holds only
 * between processes of one host (a SQLite database is read on its own host); a second instance in the same
 * JVM finds it held too.
 */
public final class FileLease implements Lease {
    /**
     * The lock files held in this JVM. A second instance here must not even open the file: on Linux, closing any
     * descriptor of a file drops every lock the process holds on it, the active instance's included.
     */
    private static final java.util.Set<Path> HELD_HERE = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Path file;
    private FileChannel channel;
    private FileLock lock;

    public FileLease(Path database) {
        this.file = database.resolveSibling(database.getFileName() + "-tributary.lock");
    }

    @Override
    public synchronized boolean tryAcquire() throws IOException {
        if (held()) {
            return true;
        }
        close(); // a lock that is no longer valid
        if (!HELD_HERE.add(file.toAbsolutePath())) {
            return false; // another instance in this JVM holds it
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l != null) {
                channel = ch;
                lock = l;
                return true;
            }
        } catch (OverlappingFileLockException e) {
            // cannot happen while HELD_HERE guards the file; treated as held
        } finally {
            if (lock == null) {
                if (ch != null) {
                    ch.close();
                }
                HELD_HERE.remove(file.toAbsolutePath());
            }
        }
        return false;
    }

    @Override
    public synchronized boolean held() {
        return lock != null && lock.isValid();
    }

    @Override
    public String describe() {
        return "lock file " + file;
    }

    @Override
    public synchronized void close() {
        try {
            if (lock != null) {
                lock.release();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // closing the channel frees the lock in any case
        }
        if (lock != null) {
            HELD_HERE.remove(file.toAbsolutePath());
        }
        lock = null;
        channel = null;
    }
}
