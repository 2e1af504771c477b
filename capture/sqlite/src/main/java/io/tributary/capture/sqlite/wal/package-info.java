/**
 * Decoding core of the SQLite WAL tailer: row-level changes of committed transactions, read directly from a
 * live database's {@code -wal}, {@code -shm} and main files, without SQLite and without its locks.
 *
 * <p>Public API: {@link io.tributary.capture.sqlite.wal.WalDecoder} ({@code open}, {@code openAtEnd},
 * {@code poll}, {@code position}) returning {@link io.tributary.capture.sqlite.wal.WalTransaction}s of
 * {@link io.tributary.capture.sqlite.wal.TableChanges} of {@link io.tributary.capture.sqlite.wal.RowChange}s,
 * positioned by {@link io.tributary.capture.sqlite.wal.WalPosition}.
 *
 * <p>Layers, bottom up: {@code WalReader} (WAL header, frames, salts, cumulative checksums, wal-index
 * {@code mxFrame}; committed frames only) and {@code FrameIndex}; {@code PageView} (the database as of a
 * frame); {@code BtreePage}, {@code TreeWalker}, {@code RecordDecoder} (b-tree pages, cells, overflow
 * chains, records); {@code Schema} and {@code CreateTableParser} (tables from {@code sqlite_schema});
 * {@code PageOwners} and {@code TransactionDiffer} (which tables a transaction touched, and the before/after
 * row diff).
 *
 * <p>Known limits: no Kafka, no SQLite-side pinning of the WAL (the caller's job, see {@code WalDecoder});
 * indexes and {@code sqlite_*} internal tables are not decoded; a full page-ownership scan at open and at
 * every WAL restart; RENAME COLUMN/TABLE and DROP COLUMN are handled by column name and table name, see
 * {@code TransactionDiffer}.
 */
package io.tributary.capture.sqlite.wal;
