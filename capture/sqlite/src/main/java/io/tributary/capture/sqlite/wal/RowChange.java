package io.tributary.capture.sqlite.wal;

import io.tributary.schemas.event.Op;
import java.util.List;

/**
 * One row's change within a committed transaction: its net effect, comparing the row before the transaction
 * with the row after it (a row inserted and deleted in the same transaction produces nothing; a row changed
 * twice produces one update).
 *
 * <p>{@code op} is in the change-event contract's vocabulary: {@link Op#CREATE}, {@link Op#UPDATE} or
 * {@link Op#DELETE}; never {@link Op#READ}, which only a snapshot produces. {@code key} is {@code [rowid]}
 * for rowid tables without a declared key (or with an INTEGER PRIMARY KEY), else the declared PRIMARY KEY
 * values in key order; a change of a declared key is a delete of the old key and a create of the new one. {@code before} is
 * null for a create, {@code after} null for a delete; both are in the order of
 * {@link TableChanges#columns()}. Values are {@link Long}, {@link Double}, {@link String}, {@code byte[]} or
 * null. Lists are unmodifiable but the byte arrays in them are not copied again: do not modify them.
 */
public record RowChange(Op op, List<Object> key, List<Object> before, List<Object> after) {
}
