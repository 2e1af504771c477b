package io.tributary.capture.sqlite.wal;

/**
 * Some committed transactions can no longer be decoded exactly: a checkpoint copied WAL frames into the
 * database file before they were decoded (so the "before" images are gone), or the WAL was restarted while
 * a poll was reading it. The decoder that threw it is unusable; the caller has to re-snapshot and open a new
 * decoder. Prevent it by keeping checkpoints away from undecoded frames (e.g. hold a read transaction open
 * at the decoded position).
 */
public class WalGapException extends WalFormatException {
    private static final long serialVersionUID = 1L;

    public WalGapException(String message) {
        super(message);
    }
}
