package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.capture.sqlite.wal.RowChange;
import io.tributary.capture.sqlite.wal.SqliteTypes;
import io.tributary.schemas.event.Position;
import io.tributary.capture.sqlite.wal.TableChanges;
import io.tributary.capture.sqlite.wal.TableDef;
import io.tributary.capture.sqlite.wal.WalDecoder;
import io.tributary.capture.sqlite.wal.WalPosition;
import io.tributary.capture.sqlite.wal.WalTransaction;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming part of capture-sqlite: every committed transaction after the snapshot (or the stored
 * position), decoded from the WAL ({@link WalDecoder}), in commit order, one event per changed row.
 *
 * <p>Guarantees: a transaction's events and the position after it ({@link PositionContext}) are written in
 * one Kafka transaction, so a restart resumes exactly after the last one committed. The pin is handed over
 * so that the held read mark never passes an undecoded frame. Each table's shape is the definition its rows
 * were decoded with, so a schema change (ADD or DROP COLUMN, a table created or dropped) is followed
 * transaction by transaction.
 *
 * <p>Keeps the WAL bounded (the pins stop SQLite from restarting it): past {@code wal-limit-mb} it opens a
 * quiet window, see {@link #quietWindow}. Does not guarantee the bound under a writer that never lets go
 * of the write lock: the window is postponed, and the WAL grows (nothing is lost).
 */
final class SqliteStreaming {
    private static final Logger log = LoggerFactory.getLogger(SqliteStreaming.class);

    private final PipelineConfig.Source source;
    private final Path database;
    private final Map<String, TableRef> tables = new HashMap<>();
    private final Map<List<String>, TableSchema> shapes = new HashMap<>();
    private final Connection writersLock;
    private final Connection checkpointer;
    private final WalPins pins;
    private final PositionContext positions;
    private final SqliteEvents events;
    private final MeterRegistry metrics;
    private final CaptureDeadLetters deadLetters;
    private final Consumer<List<WalTransaction>> acknowledged;
    private volatile long committedTransactions;
    private int pageSize;

    /**
     * @param writersLock  the connection whose BEGIN IMMEDIATE holds writers off for a quiet window
     * @param checkpointer the connection that runs the tailer's own checkpoints (and evaluates default expressions)
     * @param acknowledged called with the transactions whose events Kafka has just acknowledged
     */
    SqliteStreaming(PipelineConfig.Source source, Connection writersLock, Connection checkpointer, WalPins pins,
                    PositionContext positions, MeterRegistry metrics, Consumer<List<WalTransaction>> acknowledged) {
        this.source = source;
        this.database = source.sqlite().path();
        source.tables().forEach(t -> tables.put(t.table(), t));
        this.writersLock = writersLock;
        this.checkpointer = checkpointer;
        this.pins = pins;
        this.positions = positions;
        this.events = new SqliteEvents(database);
        this.metrics = metrics;
        this.deadLetters = new CaptureDeadLetters(source.name(), metrics);
        this.acknowledged = acknowledged;
    }

    /** How many source transactions have been committed to Kafka. */
    long committedTransactions() {
        return committedTransactions;
    }

    /** Decodes and writes what was committed since the last poll, handing the pin over; false when there was nothing. */
    boolean poll(WalDecoder decoder, ChangeEventWriter writer) throws SQLException, IOException, InterruptedException {
        List<WalTransaction> txs = new ArrayList<>(decoder.poll());
        if (txs.isEmpty()) {
            if (walInUse() > walLimitBytes()) {
                quietWindow(decoder, writer); // a quiet moment is the best time: nobody waits for the lock
            }
            return false;
        }
        if (!decoder.fullyCheckpointed()) {
            // the new read transaction's mark is at most the WAL's end; decode up to that end before releasing
            // the older one, so the held mark never passes an undecoded frame (on a fully checkpointed WAL the
            // held pin is kept: a new one would hold read lock 0, as safe, see WalPins)
            pins.holdNext();
            txs.addAll(decoder.poll());
            pins.releasePrevious();
        }
        emit(txs, writer);
        committedTransactions += txs.size();
        metrics.counter("tributary.capture.transactions", "source", source.name()).increment(txs.size());
        if (walInUse() > walLimitBytes()) {
            quietWindow(decoder, writer);
        }
        return true;
    }

    /**
     * Decodes and writes everything committed up to the WAL's end; call with the application's writers held
     * off, so that the decoder then stands exactly at the end.
     */
    void drain(WalDecoder decoder, ChangeEventWriter writer) throws SQLException, IOException {
        List<WalTransaction> rest = decoder.poll();
        if (!rest.isEmpty()) {
            emit(rest, writer);
            committedTransactions += rest.size();
        }
    }

    /** Writes the events of {@code txs} and the position after them in one Kafka transaction. */
    private void emit(List<WalTransaction> txs, ChangeEventWriter writer) throws SQLException {
        writer.begin();
        for (WalTransaction tx : txs) {
            positions.enter(tx.position());
            long ordinal = 0;
            for (TableChanges tc : tx.tables()) {
                TableRef ref = tables.get(tc.table());
                if (ref == null) {
                    continue;
                }
                TableSchema schema = shape(ref, tc.definition());
                for (RowChange rc : tc.changes()) {
                    Position pos = positions.streamedRow(ref.table(), ++ordinal);
                    try {
                        writer.write(events.event(schema, rc.op(), SqliteEvents.row(schema, tc.columns(), rc.key(), rc.before()),
                                SqliteEvents.row(schema, tc.columns(), rc.key(), rc.after()), pos, false));
                    } catch (SqliteTypes.ValueMismatch odd) {
                        deadLetters.send(writer, ref, rc.op(), rc.key(), pos, odd.getMessage(), rc.after() != null ? rc.after() : rc.before());
                    }
                }
            }
        }
        positions.commit(writer, true);
        acknowledged.accept(txs);
    }

    /** The table's shape as of the definition its rows were decoded with (an ADD COLUMN changes it). */
    private TableSchema shape(TableRef ref, TableDef def) throws SQLException {
        List<String> key = List.of(ref.table(), def.sql());
        TableSchema schema = shapes.get(key);
        if (schema == null) {
            schema = SqliteTables.schema(ref, def, checkpointer);
            shapes.put(key, schema);
        }
        return schema;
    }

    /**
     * Keeps the WAL bounded although the pins stop SQLite from restarting it: first a PASSIVE checkpoint of
     * ours copies everything up to the held mark (writers go on); then, with writers held off for a moment
     * (BEGIN IMMEDIATE), the last transactions are decoded and committed, the pins released, and the small
     * rest checkpointed. The application's next write then restarts the WAL from its start, and the decoder
     * follows into the new WAL epoch. Writers wait only for the Kafka commit and that small checkpoint.
     */
    private void quietWindow(WalDecoder decoder, ChangeEventWriter writer) throws SQLException, IOException, InterruptedException {
        checkpoint();
        long t0;
        try (Statement s = writersLock.createStatement()) {
            try {
                s.execute("BEGIN IMMEDIATE");
                t0 = System.nanoTime(); // writers are held from here
            } catch (SQLException busy) {
                // the application holds the write lock (a long transaction or its own checkpoint): not now,
                // the next poll tries again; nothing was changed
                log.debug("WAL quiet window postponed source={} reason={}", source.name(), busy.getMessage());
                return;
            }
            try {
                List<WalTransaction> rest = decoder.poll();
                if (!rest.isEmpty()) {
                    emit(rest, writer);
                }
                pins.releaseAll();
                checkpoint();
            } finally {
                s.execute("ROLLBACK");
                pins.holdNext();
            }
        }
        metrics.timer("tributary.capture.quiet.window", "source", source.name()).record(Duration.ofNanos(System.nanoTime() - t0));
        log.info("WAL quiet window source={} writers_held_ms={} wal_file_bytes={}", source.name(), (System.nanoTime() - t0) / 1_000_000,
                walFileBytes());
    }

    private void checkpoint() throws SQLException {
        try (Statement s = checkpointer.createStatement()) {
            s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)").close();
        }
    }

    private long walLimitBytes() {
        return source.sqlite().walLimitMb() * 1024L * 1024L;
    }

    /** Bytes of WAL frames in the current WAL epoch (the file itself is reused from its start after a restart). */
    private long walInUse() throws SQLException {
        WalPosition wal = positions.wal();
        if (wal == null) {
            return 0;
        }
        if (pageSize == 0) {
            try (Statement s = checkpointer.createStatement(); ResultSet rs = s.executeQuery("PRAGMA page_size")) {
                rs.next();
                pageSize = rs.getInt(1);
            }
        }
        return wal.commitFrame() * (pageSize + 24L);
    }

    private long walFileBytes() throws IOException {
        Path wal = database.resolveSibling(database.getFileName() + "-wal");
        return Files.exists(wal) ? Files.size(wal) : 0;
    }
}
