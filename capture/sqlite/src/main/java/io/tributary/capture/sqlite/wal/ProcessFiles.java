package io.tributary.capture.sqlite.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Read-only descriptors of a database file and its {@code -shm} file, opened once per file (per inode) for
 * the life of the process and never closed.
 *
 * <p>Why: POSIX advisory locks belong to the process, and closing any descriptor of a file drops every lock
 * the process holds on that file, including SQLite's own: the read-mark locks of the tailer's pins, the
 * {@code -shm} DMS lock that tells other processes the wal-index is in use, the database file's shared
 * lock. SQLite counts its locks per process and does not take them again, so the loss is silent and lasts:
 * another process may then reset the wal-index, checkpoint past the pins and restart the WAL over frames
 * not decoded yet. A {@link FileChannel} left to the garbage collector is closed by the JDK's cleaner, at a
 * random time, so "never closed" has to mean strongly reachable here, not merely not closed explicitly.
 *
 * <p>The {@code -wal} file is not locked by SQLite; its channel may be closed.
 */
final class ProcessFiles {
    private static final Map<Object, FileChannel> OPEN = new ConcurrentHashMap<>();
    /** Channels opened while the file was being replaced, or that lost a race: kept, never closed. */
    private static final List<FileChannel> KEPT = new CopyOnWriteArrayList<>();

    private ProcessFiles() {
    }

    /** The process's channel for the file now at {@code p}, or null if there is no such file. */
    static FileChannel open(Path p) throws IOException {
        while (true) {
            Object before = fileKey(p);
            if (before == null) {
                return null;
            }
            FileChannel known = OPEN.get(before);
            if (known != null) {
                return known;
            }
            FileChannel ch;
            try {
                ch = FileChannel.open(p, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return null;
            }
            if (!before.equals(fileKey(p))) {
                KEPT.add(ch); // replaced while opening: which file ch is is unknown; try again
                continue;
            }
            FileChannel won = OPEN.putIfAbsent(before, ch);
            if (won == null) {
                return ch;
            }
            KEPT.add(ch);
            return won;
        }
    }

    /** Identifies the file behind a path (device and inode), so that a deleted and re-created file is noticed. */
    static Object fileKey(Path p) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.fileKey() == null ? p.toAbsolutePath() : a.fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
