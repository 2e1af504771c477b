package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.capture.sqlite.wal.RowChange;
import io.tributary.capture.sqlite.wal.SqliteTypes;
import io.tributary.schemas.event.Position;
import io.tributary.capture.sqlite.wal.ChangeSink;
import io.tributary.capture.sqlite.wal.TableDef;
import io.tributary.capture.sqlite.wal.WalDecoder;
import io.tributary.capture.sqlite.wal.WalPosition;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
    /** Watches what streaming writes: each change as it goes into the open Kafka transaction, then each commit. */
    interface Observer {
        Observer NONE = new Observer() {
            @Override
            public void written(TableDef table, RowChange change) {
            }

            @Override
            public void committed() {
            }
        };

        /** A change was written into the open Kafka transaction. */
        void written(TableDef table, RowChange change);

        /** The open Kafka transaction, with every change written since the last commit, was committed. */
        void committed();
    }

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
    private final Observer observer;
    private volatile long committedTransactions;
    private int pageSize;
    /** Where the last quiet window left the decoder: the WAL restarts at the application's next write. */
    private WalPosition quietAt;

    /**
     * @param writersLock  the connection whose BEGIN IMMEDIATE holds writers off for a quiet window
     * @param checkpointer the connection that runs the tailer's own checkpoints (and evaluates default expressions)
     * @param observer     told of each change written and of each Kafka commit (the bench's clock)
     */
    SqliteStreaming(PipelineConfig.Source source, Connection writersLock, Connection checkpointer, WalPins pins,
                    PositionContext positions, MeterRegistry metrics, Observer observer) {
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
        this.observer = observer;
    }

    /** How many source transactions have been committed to Kafka. */
    long committedTransactions() {
        return committedTransactions;
    }

    /** Decodes and writes what was committed since the last poll, handing the pin over; false when there was nothing. */
    boolean poll(WalDecoder decoder, ChangeEventWriter writer) throws SQLException, IOException, InterruptedException {
        Emitter tx = new Emitter(writer);
        int n;
        try {
            n = decoder.poll(tx);
            if (n > 0 && !decoder.fullyCheckpointed()) {
                // the new read transaction's mark is at most the WAL's end; decode up to that end before releasing
                // the older one, so the held mark never passes an undecoded frame (on a fully checkpointed WAL the
                // held pin is kept: a new one would hold read lock 0, as safe, see WalPins)
                pins.holdNext();
                n += decoder.poll(tx);
                pins.releasePrevious();
            }
            if (n > 0) {
                tx.commit();
            }
        } catch (Exception | Error e) {
            tx.abort(e);
            throw e;
        }
        if (n == 0) {
            if (walOverLimit()) {
                quietWindow(decoder, writer); // a quiet moment is the best time: nobody waits for the lock
            }
            return false;
        }
        committedTransactions += n;
        metrics.counter("tributary.capture.transactions", "source", source.name()).increment(n);
        if (walOverLimit()) {
            quietWindow(decoder, writer);
        }
        return true;
    }

    /**
     * Decodes and writes everything committed up to the WAL's end; call with the application's writers held
     * off, so that the decoder then stands exactly at the end.
     */
    void drain(WalDecoder decoder, ChangeEventWriter writer) throws SQLException, IOException {
        committedTransactions += emitRest(decoder, writer);
    }

    /** Decodes what was committed since the last poll straight into one Kafka transaction with the position after it. */
    private int emitRest(WalDecoder decoder, ChangeEventWriter writer) throws IOException {
        Emitter tx = new Emitter(writer);
        try {
            int n = decoder.poll(tx);
            if (n > 0) {
                tx.commit();
            }
            return n;
        } catch (Exception | Error e) {
            tx.abort(e);
            throw e;
        }
    }

    /**
     * Writes decoded changes as they come into one Kafka transaction, opened at the first source transaction,
     * so a source transaction of any size streams through the producer's bounded buffer instead of being held.
     * {@link #commit} writes the position after the last source transaction with them and commits (only after the
     * decoder's poll returned: its checks come after the reads); {@link #abort} discards everything written
     * since, so a failure in the middle of a source transaction leaves nothing visible to read_committed consumers.
     */
    private final class Emitter implements ChangeSink {
        private final ChangeEventWriter writer;
        private boolean open;
        private long ordinal;

        Emitter(ChangeEventWriter writer) {
            this.writer = writer;
        }

        @Override
        public void begin(WalPosition position) {
            if (!open) {
                writer.begin();
                open = true;
            }
            positions.enter(position);
            ordinal = 0;
        }

        @Override
        public void change(TableDef table, RowChange rc) throws IOException {
            TableRef ref = tables.get(table.name());
            if (ref == null) {
                return;
            }
            TableSchema schema = shape(ref, table);
            List<String> columns = table.columnNames();
            Position pos = positions.streamedRow(ref.table(), ++ordinal);
            try {
                writer.write(events.event(schema, rc.op(), SqliteEvents.row(schema, columns, rc.key(), rc.before()),
                        SqliteEvents.row(schema, columns, rc.key(), rc.after()), pos, false));
            } catch (SqliteTypes.ValueMismatch odd) {
                deadLetters.send(writer, ref, rc.op(), rc.key(), pos, odd.getMessage(), rc.after() != null ? rc.after() : rc.before());
            }
            observer.written(table, rc);
        }

        void commit() {
            positions.commit(writer, true);
            open = false;
            observer.committed();
        }

        void abort(Throwable cause) {
            if (open) {
                open = false;
                try {
                    writer.abort();
                } catch (RuntimeException e) {
                    cause.addSuppressed(e);
                }
            }
        }
    }

    /** The table's shape as of the definition its rows were decoded with (an ADD COLUMN changes it). */
    private TableSchema shape(TableRef ref, TableDef def) throws IOException {
        List<String> key = List.of(ref.table(), def.sql());
        TableSchema schema = shapes.get(key);
        if (schema == null) {
            try {
                schema = SqliteTables.schema(ref, def, checkpointer);
            } catch (SQLException e) {
                throw new IOException("cannot read the shape of table " + ref.table() + " (" + def.sql() + "): " + e.getMessage(), e);
            }
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
                committedTransactions += emitRest(decoder, writer);
                pins.releaseAll();
                checkpoint();
            } finally {
                s.execute("ROLLBACK");
                pins.holdNext();
            }
        }
        quietAt = positions.wal();
        metrics.timer("tributary.capture.quiet.window", "source", source.name()).record(Duration.ofNanos(System.nanoTime() - t0));
        log.info("WAL quiet window source={} writers_held_ms={} wal_file_bytes={}", source.name(), (System.nanoTime() - t0) / 1_000_000,
                walFileBytes());
    }

    private void checkpoint() throws SQLException {
        try (Statement s = checkpointer.createStatement()) {
            s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)").close();
        }
    }

    /**
     * Whether the WAL in use is past the limit and a quiet window can shorten it: not while nothing was decoded
     * since the last window, which left the WAL checkpointed and unpinned for the application's next write to
     * restart (until then the position, and so the WAL in use, stays where the window found it).
     */
    private boolean walOverLimit() throws SQLException {
        return walInUse() > walLimitBytes() && !Objects.equals(positions.wal(), quietAt);
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
