package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.capture.sqlite.wal.SqliteTypes;
import io.tributary.capture.sqlite.wal.TableDef;
import io.tributary.capture.sqlite.wal.WalDecoder;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.kafka.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import io.tributary.schemas.event.Position;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshot part of capture-sqlite: every row of the configured tables, as a new generation, at an
 * exact WAL position, handing over a decoder that continues exactly after it.
 *
 * <p>Guarantees: the rows are read inside one read transaction begun while the application's writers are
 * held off for a moment ({@code BEGIN IMMEDIATE} on a connection of ours), and the decoder is opened at the
 * WAL's end in that same moment, so no transaction falls between the snapshot and the stream, and none is
 * in both. The read transaction is the pin ({@link WalPins}) that keeps the frames after that position from
 * being checkpointed away. Table shapes are the definitions the decoder opened at. Rows are written in
 * Kafka transactions of {@value #CHUNK} (read_committed consumers see a snapshot in steps), each storing
 * the position as "snapshot not done"; the last one ends with a {@link GenerationMarker} per table and
 * "snapshot done", so the sink drops rows of older generations only once the whole snapshot is in.
 *
 * <p>Does not guarantee: a snapshot cut short (a crash) is taken again from the start with a new
 * generation; the rows already written stay, older than the new generation's.
 */
final class SqliteSnapshot {
    private static final Logger log = LoggerFactory.getLogger(SqliteSnapshot.class);
    private static final int CHUNK = 100_000;

    private final PipelineConfig.Source source;
    private final Path database;
    private final Connection writersLock;
    private final WalPins pins;
    private final PositionContext positions;
    private final SqliteEvents events;
    private final MeterRegistry metrics;
    private final LockWaits locks;
    private final CaptureDeadLetters deadLetters;

    /** The connection whose BEGIN IMMEDIATE holds writers off at the snapshot's start; also SqliteStreaming's. */
    SqliteSnapshot(PipelineConfig.Source source, Connection writersLock, WalPins pins, PositionContext positions, MeterRegistry metrics,
                   LockWaits locks) {
        this.locks = locks;
        this.deadLetters = new CaptureDeadLetters(source.name(), metrics);
        this.source = source;
        this.database = source.sqlite().path();
        this.writersLock = writersLock;
        this.pins = pins;
        this.positions = positions;
        this.events = new SqliteEvents(database);
        this.metrics = metrics;
    }

    /** Takes a snapshot as a new generation and returns the decoder that continues right after it. */
    WalDecoder take(ChangeEventWriter writer) throws SQLException, IOException, InterruptedException {
        long started = System.nanoTime();
        Start start = beginAtWalEnd();
        positions.startGeneration(start.decoder().position());
        long rows = 0;
        writer.begin();
        Map<TableRef, Position> lastRows = new HashMap<>();
        for (TableRef t : source.tables()) {
            long before = rows;
            rows = readTable(writer, schema(start.decoder(), t, start.reader()), start.reader(), rows);
            if (rows > before) {
                lastRows.put(t, positions.snapshotRow(t.table(), rows));
            }
        }
        for (TableRef t : source.tables()) {
            GenerationMarker marker = new GenerationMarker(source.name(), t.table(), positions.generation(), lastRows.get(t));
            writer.send(Topics.generations(source.name()), marker.key(), marker.value());
        }
        positions.commit(writer, true);
        long nanos = System.nanoTime() - started;
        metrics.timer("tributary.capture.snapshot", "source", source.name()).record(Duration.ofNanos(nanos));
        log.info("snapshot committed source={} generation={} rows={} seconds={} rows_per_s={} wal={}", source.name(),
                positions.generation(), rows, String.format("%.2f", nanos / 1e9), Math.round(rows / (nanos / 1e9)), positions.wal());
        return start.decoder();
    }

    /** The read transaction the snapshot reads in and the decoder at the same WAL position. */
    record Start(Connection reader, WalDecoder decoder) {
    }

    /**
     * Begins the pin and opens the decoder at the WAL's end while writers are held off; while the application
     * holds the write lock, waits for it ({@link LockWaits}), however long.
     */
    Start beginAtWalEnd() throws SQLException, IOException, InterruptedException {
        Connection reader;
        WalDecoder decoder;
        try (Statement s = writersLock.createStatement()) {
            locks.retry("snapshot", () -> s.execute("BEGIN IMMEDIATE"));
            try {
                reader = pins.holdNext();
                decoder = WalDecoder.openAtEnd(database);
            } finally {
                s.execute("ROLLBACK");
            }
        }
        pins.releasePrevious();
        return new Start(reader, decoder);
    }

    /**
     * Writes every row of the table of {@code schema} as read by {@code reader}, numbered after
     * {@code rowsBefore}; returns the number of snapshot rows written so far. A row with a value its column
     * cannot carry goes to the dead-letter topic ({@link CaptureDeadLetters}) and the snapshot goes on. Commits the Kafka transaction
     * every {@value #CHUNK} rows, storing the position as "snapshot not done" (a crash then takes a new
     * snapshot of every table on restart).
     */
    long readTable(ChangeEventWriter writer, TableSchema schema, Connection reader, long rowsBefore) throws SQLException {
        long n = rowsBefore;
        String table = schema.table().table();
        try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery(SqliteTables.selectAll(schema))) {
            while (rs.next()) {
                // a dead-lettered row takes no number: the generation marker names the last row on the topic
                Position pos = positions.snapshotRow(table, n + 1);
                try {
                    writer.write(events.event(schema, Op.READ, null, SqliteEvents.row(schema, rs), pos, true));
                } catch (SqliteTypes.ValueMismatch odd) {
                    deadLetters.send(writer, schema.table(), Op.READ, stored(rs, schema, schema.primaryKey()), pos, odd.getMessage(),
                            stored(rs, schema, null));
                    continue;
                }
                if (++n % CHUNK == 0) {
                    positions.commit(writer, false);
                    writer.begin();
                }
            }
        }
        return n;
    }

    /** The values of {@code columns} (all when null) of the current row as SQLite stores them. */
    static java.util.List<Object> stored(ResultSet rs, TableSchema schema, java.util.List<String> columns) throws SQLException {
        java.util.List<Object> out = new java.util.ArrayList<>();
        for (int i = 0; i < schema.columns().size(); i++) {
            if (columns == null || columns.contains(schema.columns().get(i).name())) {
                out.add(rs.getObject(i + 1));
            }
        }
        return out;
    }

    /** The shape of {@code t} as the decoder knows it, with the types read through {@code reader}. */
    static TableSchema schema(WalDecoder decoder, TableRef t, Connection reader) throws SQLException {
        return SqliteTables.schema(t, definition(decoder, t), reader);
    }

    private static TableDef definition(WalDecoder decoder, TableRef t) {
        TableDef def = decoder.table(t.table());
        if (def == null) {
            throw new IllegalStateException("table '" + t.table() + "' of source " + t.source() + " does not exist in the SQLite database;"
                    + " check the spelling (SQLite table names are listed by `sqlite3 FILE .tables`)");
        }
        return def;
    }
}
