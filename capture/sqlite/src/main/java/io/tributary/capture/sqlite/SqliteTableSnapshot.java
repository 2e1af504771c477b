package io.tributary.capture.sqlite;

import io.tributary.capture.sqlite.wal.WalDecoder;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.kafka.Topics;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One table of a SQLite source snapshotted again, as a new generation of that table alone
 * ({@code tributary resnapshot}), at an exact WAL position between two polls of the stream.
 *
 * <p>Guarantees: with the application's writers held off for a moment ({@code BEGIN IMMEDIATE} on a
 * connection of ours) the stream is decoded and written up to the WAL's end, and a read transaction is
 * begun there (the newest pin); writers then go on while the table is read in it. The table's new
 * generation starts at that position: its snapshot rows are {@code [g, 0, commit frame, n]}, every change
 * of it streamed afterwards is {@code [g, epoch, later frame, ordinal]}, newer; the other tables keep
 * their generation. The rows, the marker (naming the last row) and the position with the table's generation
 * are written in the stream's Kafka transactions ({@link SqliteSnapshot#readTable}), so a sink drops the
 * table's older rows only once it has read the new ones.
 *
 * <p>Does not guarantee: the other tables stream on only once the table is read (the WAL keeps their
 * changes meanwhile; nothing is lost). A crash in the middle takes a snapshot of every table on restart, as
 * any snapshot cut short does. When the application holds the write lock the snapshot waits for the next
 * poll ({@link #take} returns false).
 */
final class SqliteTableSnapshot {
    private static final Logger log = LoggerFactory.getLogger(SqliteTableSnapshot.class);
    private final PipelineConfig.Source source;
    private final Connection writersLock;
    private final WalPins pins;
    private final PositionContext positions;
    private final SqliteSnapshot snapshot;
    private final SqliteStreaming stream;

    SqliteTableSnapshot(PipelineConfig.Source source, Connection writersLock, WalPins pins, PositionContext positions,
                        SqliteSnapshot snapshot, SqliteStreaming stream) {
        this.source = source;
        this.writersLock = writersLock;
        this.pins = pins;
        this.positions = positions;
        this.snapshot = snapshot;
        this.stream = stream;
    }

    /** Snapshots {@code t} at the WAL's end as a new generation of it; false when writers could not be held off now. */
    boolean take(TableRef t, WalDecoder decoder, ChangeEventWriter writer) throws SQLException, IOException, InterruptedException {
        long started = System.nanoTime();
        Connection reader;
        try (Statement s = writersLock.createStatement()) {
            try {
                s.execute("BEGIN IMMEDIATE");
            } catch (SQLException busy) {
                log.info("table snapshot postponed source={} table={}: the application holds the write lock ({})", source.name(), t.table(),
                        busy.getMessage());
                return false;
            }
            try {
                stream.drain(decoder, writer);
                reader = pins.holdNext();
            } finally {
                s.execute("ROLLBACK");
            }
        }
        pins.releasePrevious();
        long generation = positions.startTableGeneration(t.table());
        writer.begin();
        long rows = snapshot.readTable(writer, SqliteSnapshot.schema(decoder, t, reader), reader, 0);
        Position through = rows == 0 ? null : positions.snapshotRow(t.table(), rows);
        GenerationMarker marker = new GenerationMarker(source.name(), t.table(), generation, through);
        writer.send(Topics.generations(source.name()), marker.key(), marker.value());
        positions.commit(writer, true);
        log.info("table snapshot committed source={} table={} generation={} rows={} seconds={} wal={}", source.name(), t.table(), generation,
                rows, String.format("%.2f", (System.nanoTime() - started) / 1e9), positions.wal());
        return true;
    }
}
