package io.tributary.capture.sqlite.wal;

import java.util.List;

/**
 * One row's change within a committed transaction: its net effect, comparing the row before the transaction
 * with the row after it (a row inserted and deleted in the same transaction produces nothing; a row changed
 * twice produces one update).
 *
 * <p>{@code key} is {@code [rowid]} for rowid tables, or the PRIMARY KEY values (in key order) for WITHOUT
 * ROWID tables. {@code before} is null for an insert, {@code after} null for a delete; both are in the
 * order of {@link TableChanges#columns()}. Values are {@link Long}, {@link Double}, {@link String},
 * {@code byte[]} or null. Lists are unmodifiable but the byte arrays in them are not copied again: do not
 * modify them.
 */
public record RowChange(Op op, List<Object> key, List<Object> before, List<Object> after) {

    public enum Op { INSERT, UPDATE, DELETE }
}
