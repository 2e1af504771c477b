package io.tributary.capture.sqlite;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a resync ({@link SqliteResync}) compares a row by: its key, and an 8-byte digest of its row image,
 * computed alike from a row read from SQLite ({@link SqliteEvents#row}) and from an event read back from a
 * per-table topic (values in their contract representation: Long, Double, String, ByteBuffer, null).
 *
 * <p>Guarantees: two images with the same columns and values have the same digest, whatever the order of
 * their columns. Does not guarantee: two different images have different digests; they do but for a chance
 * of 2^-64 (the first 8 bytes of SHA-256), the price of not holding every row image in memory. An image with
 * another set of columns (a column added since) differs, which only costs an event.
 * Not thread-safe (one {@link MessageDigest}).
 */
final class RowDigest {
    private final MessageDigest sha;

    RowDigest() {
        try {
            this.sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The key of {@code row}: the values of the {@code primaryKey} columns, in key order. */
    static List<Object> key(Map<String, Object> row, List<String> primaryKey) {
        return primaryKey.stream().map(row::get).toList();
    }

    /** The digest of a row image. */
    long of(Map<String, Object> row) {
        sha.reset();
        for (Map.Entry<String, Object> e : new TreeMap<>(row).entrySet()) {
            sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            update(e.getValue());
        }
        return ByteBuffer.wrap(sha.digest()).getLong();
    }

    private void update(Object v) {
        if (v == null) {
            sha.update((byte) 0);
        } else if (v instanceof Long l) {
            sha.update((byte) 1);
            sha.update(ByteBuffer.allocate(8).putLong(l).array());
        } else if (v instanceof Double d) {
            sha.update((byte) 2);
            sha.update(ByteBuffer.allocate(8).putLong(Double.doubleToRawLongBits(d)).array());
        } else if (v instanceof ByteBuffer b) {
            sha.update((byte) 3);
            lengthThen(b.duplicate());
        } else {
            sha.update((byte) 4);
            lengthThen(ByteBuffer.wrap(v.toString().getBytes(StandardCharsets.UTF_8)));
        }
    }

    private void lengthThen(ByteBuffer bytes) {
        sha.update(ByteBuffer.allocate(4).putInt(bytes.remaining()).array());
        sha.update(bytes);
    }
}
