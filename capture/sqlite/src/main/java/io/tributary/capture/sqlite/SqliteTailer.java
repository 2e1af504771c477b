package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.capture.sqlite.wal.RowChange;
import io.tributary.capture.sqlite.wal.SqliteTypes;
import io.tributary.capture.sqlite.wal.TableDef;
import io.tributary.capture.sqlite.wal.TableChanges;
import io.tributary.capture.sqlite.wal.WalDecoder;
import io.tributary.capture.sqlite.wal.WalFormatException;
import io.tributary.capture.sqlite.wal.WalGapException;
import io.tributary.capture.sqlite.wal.WalPosition;
import io.tributary.capture.sqlite.wal.WalTransaction;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures one SQLite source without triggers or any change to the application: a consistent snapshot at
 * an exact WAL position, then every committed transaction decoded from the WAL ({@link WalDecoder}), in
 * commit order, one event per changed row. Events and the source position ({@link TailPosition}) are
 * written in one Kafka transaction, so a restart, even after kill -9, resumes exactly after the last
 * committed transaction: nothing lost, nothing twice.
 *
 * <p>Event positions ({@link Position}) are {@code [generation, WAL epoch, commit frame, ordinal]}: the
 * generation is the snapshot's start time, the WAL epoch counts the WAL restarts followed since. When continuity cannot be proven (the tailer was down
 * while the application checkpointed past its position, or the WAL was restarted or deleted unseen) it logs
 * an error, counts {@code tributary.capture.gaps}, and takes a new snapshot: a new generation. Never a
 * silent gap.
 *
 * <p>Every snapshot ends with a generation marker per table ({@link io.tributary.schemas.kafka.Topics#generations}), so
 * that sinks drop rows of older generations the new snapshot did not bring again: the target stays exact
 * across a gap. Not yet: schema changes beyond ADD COLUMN. Commit timestamps are not in the WAL: events
 * carry the time they were decoded.
 */
final class SqliteTailer implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqliteTailer.class);
    private static final int SNAPSHOT_CHUNK = 100_000; // rows per Kafka transaction: read_committed consumers see a snapshot in steps
    private final PipelineConfig.Kafka kafka;
    private final PipelineConfig.Source source;
    private final SchemaRegistryClient registry;
    private final MeterRegistry metrics;
    private final Path database;
    private final Map<String, TableRef> tables = new HashMap<>();
    private final Map<List<String>, TableSchema> shapes = new HashMap<>();
    private volatile boolean running = true;
    private volatile boolean streaming;
    private volatile long committedTransactions;
    private volatile Throwable failure;
    private volatile Consumer<List<WalTransaction>> acknowledged = txs -> { };
    private Connection lock;
    private Connection schemaConn;
    private WalPins pins;
    private long generation;
    private long epoch;
    private WalPosition lastWal;
    private int pageSize;

    SqliteTailer(PipelineConfig.Kafka kafka, PipelineConfig.Source source, SchemaRegistryClient registry, MeterRegistry metrics) {
        this.kafka = kafka;
        this.source = source;
        this.registry = registry;
        this.metrics = metrics;
        this.database = source.sqlite().path();
        source.tables().forEach(t -> tables.put(t.table(), t));
    }

    boolean streaming() {
        return streaming;
    }

    /** How many source transactions this tailer has committed to Kafka. */
    long committedTransactions() {
        return committedTransactions;
    }

    Throwable failure() {
        return failure;
    }

    /** Called on the tailer's thread with the source transactions whose events Kafka has just acknowledged (the bench's clock). */
    void onAcknowledged(Consumer<List<WalTransaction>> listener) {
        this.acknowledged = listener;
    }

    @Override
    public void run() {
        try (ChangeEventWriter writer = new ChangeEventWriter(kafka, registry, metrics, "tributary-capture-sqlite-" + source.name())) {
            pins = new WalPins(database);
            lock = open();
            schemaConn = open();
            WalDecoder decoder = resume(TailPosition.latest(kafka, registry, source.name()));
            if (decoder == null) {
                decoder = snapshot(writer, generation); // the stored generation, if any: the new one must be newer
            }
            streaming = true;
            int failedInARow = 0;
            while (running) {
                try {
                    if (!stream(decoder, writer)) {
                        Thread.sleep(source.sqlite().pollInterval().toMillis());
                    }
                    failedInARow = 0;
                } catch (WalFormatException gap) {
                    // a WAL truncated or restarted under the decoder reads as a short or inconsistent file:
                    // continuity is not provable either way; repeated failures right after a snapshot are not a gap
                    if (++failedInARow > 3) {
                        throw gap;
                    }
                    metrics.counter("tributary.capture.gaps", "source", source.name()).increment();
                    log.error("WAL continuity lost source={} generation={} reason={}; taking a new snapshot (new generation)",
                            source.name(), generation, gap.getMessage());
                    decoder.close(); // safe with pins held: the database and -shm descriptors are the process's (ProcessFiles)
                    decoder = snapshot(writer, generation);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception | Error e) {
            failure = e;
            log.error("capture-sqlite source={} stopped: {}", source.name(), e.toString(), e);
        } finally {
            closeAll();
        }
    }

    /** A decoder continuing after the stored position, or null (with the reason logged) when a new snapshot is needed. */
    private WalDecoder resume(TailPosition stored) throws SQLException, IOException {
        if (stored == null) {
            log.info("no stored position source={}; taking a snapshot", source.name());
            return null;
        }
        if (!stored.snapshotDone() || stored.wal() == null) {
            metrics.counter("tributary.capture.gaps", "source", source.name()).increment();
            log.error("cannot prove continuity since the stored position source={} position={} reason={}; taking a new snapshot (new generation)",
                    source.name(), stored, stored.snapshotDone() ? "the WAL was empty at the last position" : "the last snapshot did not finish");
            generation = stored.generation();
            return null;
        }
        pins.holdNext();
        try {
            WalDecoder d = WalDecoder.openAt(database, stored.wal());
            pins.releasePrevious();
            generation = stored.generation();
            epoch = stored.epoch();
            lastWal = stored.wal();
            log.info("resumed source={} generation={} wal={}", source.name(), generation, stored.wal());
            return d;
        } catch (WalGapException gap) {
            metrics.counter("tributary.capture.gaps", "source", source.name()).increment();
            log.error("cannot prove continuity since the stored position source={} position={} reason={}; taking a new snapshot (new generation)",
                    source.name(), stored, gap.getMessage());
            generation = stored.generation();
            return null;
        }
    }

    /**
     * A snapshot inside one read transaction begun while application writers are held off for a moment
     * (BEGIN IMMEDIATE on a connection of ours), so that the decoder can start exactly at the snapshot's
     * WAL position.
     */
    private WalDecoder snapshot(ChangeEventWriter writer, long previousGeneration) throws SQLException, IOException {
        long started = System.nanoTime();
        generation = Math.max(System.currentTimeMillis(), previousGeneration + 1);
        epoch = 0;
        WalDecoder decoder;
        Connection snap;
        try (Statement s = lock.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            try {
                snap = pins.holdNext();
                decoder = WalDecoder.openAtEnd(database);
            } finally {
                s.execute("ROLLBACK");
            }
        }
        pins.releasePrevious();
        lastWal = decoder.position();
        long frame = lastWal == null ? 0 : lastWal.commitFrame();
        long n = 0;
        writer.begin();
        for (TableRef t : source.tables()) {
            TableSchema schema = snapshotSchema(decoder, t);
            try (Statement s = snap.createStatement(); ResultSet rs = s.executeQuery(SqliteTables.selectAll(schema))) {
                List<Column> cols = schema.columns();
                while (rs.next()) {
                    Map<String, Object> row = new HashMap<>(cols.size() * 2);
                    for (int i = 0; i < cols.size(); i++) {
                        row.put(cols.get(i).name(), SqliteTypes.contractValue(rs.getObject(i + 1), cols.get(i), schema));
                    }
                    writer.write(event(schema, Op.READ, null, row, Position.of(generation, 0, frame, ++n), "true"));
                    if (n % SNAPSHOT_CHUNK == 0) {
                        commit(writer, false);
                        writer.begin();
                    }
                }
            }
        }
        for (TableRef t : source.tables()) {
            GenerationMarker marker = new GenerationMarker(source.name(), t.table(), generation);
            writer.send(Topics.generations(source.name()), marker.key(), marker.value());
        }
        commit(writer, true);
        long nanos = System.nanoTime() - started;
        metrics.timer("tributary.capture.snapshot", "source", source.name()).record(java.time.Duration.ofNanos(nanos));
        log.info("snapshot committed source={} generation={} rows={} seconds={} rows_per_s={} wal={}", source.name(), generation, n,
                String.format("%.2f", nanos / 1e9), Math.round(n / (nanos / 1e9)), lastWal);
        return decoder;
    }

    /** Decodes and writes what was committed since the last poll, handing the pin over; false when there was nothing. */
    private boolean stream(WalDecoder decoder, ChangeEventWriter writer) throws SQLException, IOException {
        List<WalTransaction> txs = new ArrayList<>(decoder.poll());
        if (txs.isEmpty()) {
            if (walInUse() > source.sqlite().walLimitMb() * 1024L * 1024L) {
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
        if (walInUse() > source.sqlite().walLimitMb() * 1024L * 1024L) {
            quietWindow(decoder, writer);
        }
        return true;
    }

    /** Bytes of WAL frames in the current WAL epoch (the file itself is reused from its start after a restart). */
    private long walInUse() throws SQLException {
        if (lastWal == null) {
            return 0;
        }
        if (pageSize == 0) {
            try (Statement s = schemaConn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA page_size")) {
                rs.next();
                pageSize = rs.getInt(1);
            }
        }
        return lastWal.commitFrame() * (pageSize + 24L);
    }

    /** Writes the events of {@code txs} and the position after them in one Kafka transaction. */
    private void emit(List<WalTransaction> txs, ChangeEventWriter writer) throws SQLException {
        writer.begin();
        for (WalTransaction tx : txs) {
            if (lastWal != null && !tx.position().sameEpoch(lastWal)) {
                epoch++;
            }
            long ordinal = 0;
            for (TableChanges tc : tx.tables()) {
                TableRef ref = tables.get(tc.table());
                if (ref == null) {
                    continue;
                }
                TableSchema schema = shape(ref, tc.definition());
                for (RowChange rc : tc.changes()) {
                    Position pos = Position.of(generation, epoch, tx.position().commitFrame(), ++ordinal);
                    writer.write(event(schema, rc.op(), rc.before() == null ? null : row(schema, tc, rc.key(), rc.before()),
                            rc.after() == null ? null : row(schema, tc, rc.key(), rc.after()), pos, "false"));
                }
            }
            lastWal = tx.position();
        }
        commit(writer, true);
        acknowledged.accept(txs);
    }

    private long walBytes() throws IOException {
        Path wal = database.resolveSibling(database.getFileName() + "-wal");
        return java.nio.file.Files.exists(wal) ? java.nio.file.Files.size(wal) : 0;
    }

    /**
     * Keeps the WAL bounded although the pins stop SQLite from restarting it: first a PASSIVE checkpoint of
     * ours copies everything up to the held mark (writers go on); then, with writers held off for a moment
     * (BEGIN IMMEDIATE), the last transactions are decoded and committed, the pins released, and the small
     * rest checkpointed. The application's next write then restarts the WAL from its start, and the decoder
     * follows into the new WAL epoch. Writers wait only for the Kafka commit and that small checkpoint.
     */
    private void quietWindow(WalDecoder decoder, ChangeEventWriter writer) throws SQLException, IOException {
        checkpoint();
        long t0;
        try (Statement s = lock.createStatement()) {
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
        metrics.timer("tributary.capture.quiet.window", "source", source.name()).record(java.time.Duration.ofNanos(System.nanoTime() - t0));
        log.info("WAL quiet window source={} writers_held_ms={} wal_file_bytes={}", source.name(), (System.nanoTime() - t0) / 1_000_000, walBytes());
    }

    private void checkpoint() throws SQLException {
        try (Statement s = schemaConn.createStatement()) {
            s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)").close();
        }
    }

    private void commit(ChangeEventWriter writer, boolean snapshotDone) {
        writer.send(io.tributary.schemas.kafka.Topics.positions(source.name()), TailPosition.key(source.name()),
                new TailPosition(generation, epoch, lastWal, snapshotDone).toValue());
        writer.commit();
    }

    /** The table's shape as of the definition its rows were decoded with (an ADD COLUMN changes it). */
    private TableSchema shape(TableRef ref, TableDef def) {
        return shapes.computeIfAbsent(List.of(ref.table(), def.sql()), k -> SqliteTables.schema(ref, def));
    }

    /** The table's shape at the snapshot's WAL position: the definition the decoder opened at. */
    private static TableSchema snapshotSchema(WalDecoder decoder, TableRef t) {
        TableDef def = decoder.table(t.table());
        if (def == null) {
            throw new IllegalStateException("table '" + t.table() + "' of source " + t.source() + " does not exist in the SQLite database;"
                    + " check the spelling (SQLite table names are listed by `sqlite3 FILE .tables`)");
        }
        return SqliteTables.schema(t, def);
    }

    private static Map<String, Object> row(TableSchema schema, TableChanges tc, List<Object> key, List<Object> values) {
        Map<String, Object> row = new HashMap<>(values.size() * 2 + 2);
        for (int i = 0; i < values.size(); i++) {
            String name = tc.columns().get(i);
            Column c = schema.column(name).orElse(null);
            if (c != null) {
                row.put(name, SqliteTypes.contractValue(values.get(i), c, schema));
            }
        }
        if (schema.column(SqliteTables.ROWID).isPresent()) {
            row.put(SqliteTables.ROWID, key.get(0));
        }
        return row;
    }

    private ChangeEvent event(TableSchema schema, Op op, Map<String, Object> before, Map<String, Object> after, Position pos, String snapshot) {
        return new ChangeEvent(schema, op, before, after, pos, System.currentTimeMillis(), snapshot, "sqlite",
                database.getFileName().toString(), null, null);
    }

    private Connection open() throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + database);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
        }
        return c;
    }

    private void closeAll() {
        try {
            if (pins != null) {
                pins.close();
            }
            if (lock != null) {
                lock.close();
            }
            if (schemaConn != null) {
                schemaConn.close();
            }
        } catch (SQLException e) {
            log.warn("closing capture-sqlite source={} failed: {}", source.name(), e.toString());
        }
    }

    @Override
    public void close() {
        running = false;
    }
}
