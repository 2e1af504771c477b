package io.tributary.capture.sqlite.wal;

import java.io.IOException;

/**
 * The database image (main file plus committed WAL frames) is not what the decoder can read: an unsupported
 * format version, an unparseable {@code CREATE TABLE}, or b-tree content that is inconsistent. Committed WAL
 * frames have passed their checksums, so this is either an unsupported feature or corruption; retrying does
 * not help.
 */
public class WalFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public WalFormatException(String message) {
        super(message);
    }
}
