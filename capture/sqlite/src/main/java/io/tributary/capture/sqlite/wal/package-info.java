/**
 * Decoding core of the SQLite WAL tailer: row-level changes of committed transactions, read directly from a
 * live database's {@code -wal}, {@code -shm} and main files, without SQLite and without its locks.
 *
 * <p>Public API: {@link io.tributary.capture.sqlite.wal.WalDecoder} ({@code open}, {@code openAtEnd},
 * {@code openAt}, {@code poll}, {@code position}, {@code table}) returning
 * {@link io.tributary.capture.sqlite.wal.WalTransaction}s of {@link io.tributary.capture.sqlite.wal.TableChanges}
 * of {@link io.tributary.capture.sqlite.wal.RowChange}s, positioned by
 * {@link io.tributary.capture.sqlite.wal.WalPosition}.
 *
 * <p>The decoder also exposes each table's definition ({@link io.tributary.capture.sqlite.wal.TableDef},
 * {@link io.tributary.capture.sqlite.wal.ColumnDef}), and {@link io.tributary.capture.sqlite.wal.SqliteTypes}
 * is the one home of what a declared type means, from SQLite's affinity to the change-event contract's
 * types, defaults and values. The package depends on the contract ({@code io.tributary.schemas.event}: op,
 * column types) and on nothing else of Tributary.
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
