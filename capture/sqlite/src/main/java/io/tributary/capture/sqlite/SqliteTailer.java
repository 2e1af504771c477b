package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.capture.sqlite.wal.WalDecoder;
import io.tributary.capture.sqlite.wal.WalFormatException;
import io.tributary.capture.sqlite.wal.WalGapException;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.common.kafka.RegistryWait;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import io.tributary.common.signal.ResnapshotRequest;
import io.tributary.common.signal.ResnapshotRequests;
import io.tributary.schemas.event.TableRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures one SQLite source without triggers or any change to the application: resumes after its stored
 * source position ({@link TailPosition}) when continuity since then can be proven, else takes a snapshot
 * ({@link SqliteSnapshot}); then streams every committed transaction from the WAL ({@link SqliteStreaming}).
 * Events and the source position are written in one Kafka transaction, so a restart, even after kill -9,
 * resumes exactly after the last committed transaction: nothing lost, nothing twice.
 *
 * <p>When continuity cannot be proven at a restart (the tailer was down while the application checkpointed
 * past its position, or the WAL was restarted or deleted unseen) it logs an error, counts
 * {@code tributary.capture.gaps}, and resyncs ({@link SqliteResync}): it sends only the rows that differ from
 * what the topics hold, in the same generations. Where the topics cannot stand for the targets (the stored
 * snapshot never finished, records removed from a topic) it takes a new snapshot instead: a new generation,
 * announced by generation markers so that sinks drop the rows it did not bring again. A gap found while
 * streaming, and a replaced database file, take a new snapshot. Never a silent gap.
 *
 * <p>A table can be snapshotted again alone ({@code tributary resnapshot}, a {@link ResnapshotRequest} on
 * {@code tributary.signals.<source>}): between two polls, as a new generation of that table
 * ({@link SqliteTableSnapshot}). The request's read is committed once the table's rows and marker are in
 * Kafka; one read again after a restart is satisfied by the generation it began.
 *
 * <p>Not yet: schema changes beyond adding, dropping columns and tables.
 */
final class SqliteTailer implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqliteTailer.class);
    private final PipelineConfig.Kafka kafka;
    private final PipelineConfig.Source source;
    private final SchemaRegistryClient registry;
    private final MeterRegistry metrics;
    private final Path database;
    private final PositionContext positions;
    private volatile boolean running = true;
    private volatile boolean streaming;
    private volatile Throwable failure;
    private volatile SqliteStreaming.Observer observer = SqliteStreaming.Observer.NONE;
    private volatile SqliteStreaming stream;
    private volatile long committedBefore;
    private volatile long polls;
    private Connection writersLock;
    private Connection checkpointer;
    private WalPins pins;
    private SqliteSnapshot snapshot;
    private SqliteTableSnapshot tables;
    private SqliteResync resync;
    private volatile Runnable resyncStep = () -> { };
    private volatile boolean snapshotOnly;
    /** The identity (device and inode) of the database file the connections are open on. */
    private Object fileKey;
    private final BlockingQueue<Requested> requested = new LinkedBlockingQueue<>();
    private ResnapshotRequests requests;
    private final RegistryWait registryWait;

    /** A request waiting for the tailer's thread; {@code done} completes once it is acted on. */
    private record Requested(ResnapshotRequest request, TableRef table, CompletableFuture<Void> done) {
    }

    SqliteTailer(PipelineConfig.Kafka kafka, PipelineConfig.Source source, SchemaRegistryClient registry, MeterRegistry metrics) {
        this.kafka = kafka;
        this.source = source;
        this.registry = registry;
        this.metrics = metrics;
        this.database = source.sqlite().path();
        this.positions = new PositionContext(source.name());
        this.registryWait = new RegistryWait("capture-sqlite source=" + source.name(),
                metrics.counter("tributary.errors", "stage", "capture-sqlite", "service", source.name(), "kind", "retriable"));
    }

    boolean streaming() {
        return streaming;
    }

    /** How many source transactions this tailer has committed to Kafka. */
    long committedTransactions() {
        SqliteStreaming s = stream;
        return committedBefore + (s == null ? 0 : s.committedTransactions());
    }

    /** How many times this tailer has read the WAL while streaming. */
    long polls() {
        return polls;
    }

    Throwable failure() {
        return failure;
    }

    /** Told on the tailer's thread of each streamed change written and each Kafka commit (the bench's clock). */
    void observe(SqliteStreaming.Observer o) {
        this.observer = o;
    }

    @Override
    public void run() {
        try (ChangeEventWriter writer = new ChangeEventWriter(kafka, registry, metrics, "tributary-capture-sqlite-" + source.name())
                .waitingOutRegistry(registryWait)) {
            attach();
            TailPosition stored = registryWait.call("read the stored position", () -> TailPosition.latest(kafka, registry, source.name()));
            WalDecoder decoder = resume(stored);
            if (decoder == null) {
                decoder = catchUp(stored, writer);
            }
            streaming = true;
            requests = new ResnapshotRequests(kafka, source.name(), "tributary-capture-" + source.name(), this::request);
            requests.start();
            stream(decoder, writer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception | Error e) {
            failure = e;
            log.error("capture-sqlite source={} stopped: {}", source.name(), e.toString(), e);
        } finally {
            closeAll();
        }
    }

    /**
     * Opens the tailer's connections (pins, the writers' lock, the checkpointer) on the database file now at
     * the configured path, and the snapshot and streaming parts that use them.
     */
    private void attach() throws SQLException, IOException {
        fileKey = fileKey();
        LockWaits locks = new LockWaits(source.name(), metrics, () -> running);
        pins = new WalPins(database, locks);
        writersLock = open();
        checkpointer = open();
        snapshot = new SqliteSnapshot(source, writersLock, pins, positions, metrics, locks);
        stream = new SqliteStreaming(source, writersLock, checkpointer, pins, positions, metrics, observer);
        tables = new SqliteTableSnapshot(source, writersLock, pins, positions, snapshot, stream);
        resync = new SqliteResync(kafka, source, registry, snapshot, positions, metrics, registryWait);
        resync.afterStep(resyncStep);
    }

    /**
     * The database file was replaced (a restore from a backup, a database the application re-created): the
     * connections and the decoder still read the old file. Closes them (their locks belong to the old file),
     * opens everything on the new file and takes a new snapshot, a new generation, announced as a gap.
     */
    private WalDecoder reattach(WalDecoder old, ChangeEventWriter writer) throws SQLException, IOException, InterruptedException {
        Object now = fileKey();
        gap("the database file was replaced", positions.wal(), "file identity " + fileKey + " is now " + now);
        old.close();
        closeConnections();
        committedBefore += stream.committedTransactions();
        attach();
        return snapshot.take(writer);
    }

    /** The identity of the file now at the database path (device and inode where the file system has them); null when there is none. */
    private Object fileKey() throws IOException {
        try {
            java.nio.file.attribute.BasicFileAttributes a = java.nio.file.Files.readAttributes(database, java.nio.file.attribute.BasicFileAttributes.class);
            return a.fileKey() != null ? a.fileKey() : a.creationTime();
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    /** Streams until closed; a WAL that can no longer be followed is a gap, and a new snapshot. Requested table snapshots go between polls. */
    private void stream(WalDecoder first, ChangeEventWriter writer) throws SQLException, IOException, InterruptedException {
        WalDecoder decoder = first;
        int failedInARow = 0;
        boolean missingLogged = false;
        while (running) {
            try {
                Object now = fileKey();
                if (now == null) {
                    // replaced by delete and create, or moved away: wait for the file to be back, read nothing meanwhile
                    if (!missingLogged) {
                        log.warn("database file missing source={} path={}; waiting for it", source.name(), database);
                        missingLogged = true;
                    }
                    Thread.sleep(source.sqlite().pollInterval().toMillis());
                    continue;
                }
                missingLogged = false;
                if (!now.equals(fileKey)) {
                    decoder = reattach(decoder, writer);
                    continue;
                }
                Requested r = requested.peek();
                if (r != null && (positions.generation(r.table().table()) > r.request().requestedAtMs() || tables.take(r.table(), decoder, writer))) {
                    requested.remove().done().complete(null);
                }
                boolean found = stream.poll(decoder, writer);
                polls++;
                if (!found) {
                    Thread.sleep(source.sqlite().pollInterval().toMillis());
                }
                failedInARow = 0;
            } catch (WalFormatException gap) {
                // a WAL truncated or restarted under the decoder reads as a short or inconsistent file:
                // continuity is not provable either way; repeated failures right after a snapshot are not a gap
                if (++failedInARow > 3) {
                    throw gap;
                }
                gap("WAL continuity lost", positions.wal(), gap.getMessage());
                decoder.close(); // safe with pins held: the database and -shm descriptors are the process's (ProcessFiles)
                decoder = snapshot.take(writer);
            }
        }
    }

    /** A decoder continuing after the stored position, or null (with the reason logged) when a new snapshot is needed. */
    private WalDecoder resume(TailPosition stored) throws SQLException, IOException, InterruptedException {
        if (stored == null) {
            log.info("no stored position source={}; taking a snapshot", source.name());
            return null;
        }
        positions.supersede(stored);
        if (!stored.snapshotDone() || stored.wal() == null) {
            gap("cannot prove continuity since the stored position", stored,
                    stored.snapshotDone() ? "the WAL was empty at the last position" : "the last snapshot did not finish");
            return null;
        }
        pins.holdNext();
        try {
            WalDecoder d = WalDecoder.openAt(database, stored.wal());
            pins.releasePrevious();
            positions.resume(stored);
            log.info("resumed source={} generation={} wal={}", source.name(), stored.generation(), stored.wal());
            return d;
        } catch (WalGapException gap) {
            gap("cannot prove continuity since the stored position", stored, gap.getMessage());
            return null;
        }
    }

    /**
     * Brings the topics level with the database when the stream cannot be resumed: a resync
     * ({@link SqliteResync}, only what differs) when the stored position's generations are complete and the
     * topics hold their whole history, else a new snapshot.
     */
    private WalDecoder catchUp(TailPosition stored, ChangeEventWriter writer) throws SQLException, IOException, InterruptedException {
        if (stored == null || !stored.snapshotDone() || snapshotOnly) {
            return snapshot.take(writer);
        }
        String refusal = resync.refusal();
        if (refusal != null) {
            log.warn("cannot resync source={}: {}; taking a new snapshot (new generation) instead", source.name(), refusal);
            return snapshot.take(writer);
        }
        positions.resume(stored);
        return resync.take(writer);
    }

    /** Catches up by a new snapshot, never a resync: what a restart without continuity cost before resyncs (the bench's yardstick). */
    void snapshotOnly() {
        this.snapshotOnly = true;
    }

    /** Called after each Kafka transaction of a resync but its last, on the tailer's thread (tests stop the capture there). */
    void onResyncStep(Runnable r) {
        this.resyncStep = r;
    }

    /**
     * A request of {@code tributary resnapshot}, on the request reader's thread: handed to the tailer's
     * thread, and returns once acted on (the read is committed only then).
     */
    private void request(ResnapshotRequest r) {
        TableRef t = source.tables().stream().filter(x -> x.qualifiedName().equals(r.table()) || x.table().equals(r.table())).findFirst().orElse(null);
        if (t == null) {
            log.warn("ignoring resnapshot request id={} source={} table={}: not a table of this source in the pipeline file", r.id(), source.name(), r.table());
            return;
        }
        Requested pending = new Requested(r, t, new CompletableFuture<>());
        requested.add(pending);
        try {
            pending.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("stopped before the snapshot of " + t + " was taken", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the snapshot of " + t + " failed: " + e.getCause(), e.getCause());
        }
    }

    private void gap(String what, Object position, String reason) {
        metrics.counter("tributary.capture.gaps", "source", source.name()).increment();
        log.error("{} source={} generation={} position={} reason={}; catching up (a resync, or a new snapshot)", what, source.name(),
                positions.generation(), position, reason);
    }

    private Connection open() throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + database);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
        }
        return c;
    }

    private void closeAll() {
        IllegalStateException stopped = new IllegalStateException("capture-sqlite for source " + source.name() + " stopped");
        requested.forEach(r -> r.done().completeExceptionally(stopped));
        if (requests != null) {
            requests.close();
        }
        closeConnections();
    }

    private void closeConnections() {
        try {
            if (pins != null) {
                pins.close();
            }
            if (writersLock != null) {
                writersLock.close();
            }
            if (checkpointer != null) {
                checkpointer.close();
            }
        } catch (SQLException e) {
            log.warn("closing capture-sqlite source={} failed: {}", source.name(), e.toString());
        }
    }

    @Override
    public void close() {
        running = false;
        registryWait.close();
    }
}
