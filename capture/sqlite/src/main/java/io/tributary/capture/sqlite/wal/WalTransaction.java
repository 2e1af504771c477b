package io.tributary.capture.sqlite.wal;

import java.util.List;

/**
 * One committed transaction: its position and its row changes, one entry per table with at least one
 * change, ordered by table name. A committed transaction that changed no rows of decoded tables (e.g. one
 * that only touched indexes, an internal table, or rewrote rows with identical values) has no entries but
 * is still reported, so that positions advance.
 */
public record WalTransaction(WalPosition position, List<TableChanges> tables) {
}
