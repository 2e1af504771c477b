package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.capture.sqlite.wal.SqliteTypes;
import io.tributary.capture.sqlite.wal.WalDecoder;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.common.kafka.RegistryWait;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resync part of capture-sqlite: after a restart that cannot prove continuity (the application
 * checkpointed past the stored position while the capture was down), brings the per-table topics level
 * with the database by sending only what differs, instead of a whole new snapshot.
 *
 * <p>How: at an exact WAL position, as a snapshot is taken ({@link SqliteSnapshot#beginAtWalEnd}: the read
 * transaction and the decoder that continues after it), every configured table is read once and compared
 * row by row with what its topic holds ({@link HeldRows}: per key, a digest of the newest row image of the
 * table's current generation). A row whose digest differs, or that the topic lacks, is sent again (op
 * {@code r}); a key the topic holds and the table no longer has is sent as a delete (its before image the
 * topic's last one). Every table keeps its generation: no generation marker, nothing for a sink to sweep.
 * The events' positions are {@code [generation, epoch + 1, commit frame, n]}
 * ({@link PositionContext#startResync}): newer than everything written before, older than everything
 * streamed after, and one event per key, so per-key order holds and the sinks' guard compares right.
 *
 * <p>Crash-safe: the events go in Kafka transactions of at most {@value #CHUNK} (and {@value #OPEN_MS} ms), each with the position stored
 * without its WAL position ({@link PositionContext#commitUnresumable}), so a restart in the middle resyncs
 * again, one epoch newer, and finds the rows already sent equal. Only the last transaction stores a position
 * the stream resumes from.
 *
 * <p>Does not guarantee: a change is missed only if a row's new image has the digest of its old one (a
 * chance of 2^-64 per changed row, {@link RowDigest}). Costs a read of every table and of every per-table
 * topic; the topics must hold their whole history ({@link HeldRows#refusal}), else the caller takes a
 * snapshot.
 */
final class SqliteResync {
    private static final Logger log = LoggerFactory.getLogger(SqliteResync.class);
    static final int CHUNK = 10_000;
    private static final long OPEN_MS = 5_000;

    private final PipelineConfig.Kafka kafka;
    private final PipelineConfig.Source source;
    private final SchemaRegistryClient registry;
    private final SqliteSnapshot snapshot;
    private final PositionContext positions;
    private final MeterRegistry metrics;
    private final RegistryWait registryWait;
    private final SqliteEvents events;
    private final CaptureDeadLetters deadLetters;
    private final RowDigest digest = new RowDigest();
    private volatile Runnable afterStep = () -> { };
    private long sent;
    private long inTransaction;
    private long transactionStarted;

    SqliteResync(PipelineConfig.Kafka kafka, PipelineConfig.Source source, SchemaRegistryClient registry, SqliteSnapshot snapshot,
                 PositionContext positions, MeterRegistry metrics, RegistryWait registryWait) {
        this.kafka = kafka;
        this.source = source;
        this.registry = registry;
        this.snapshot = snapshot;
        this.positions = positions;
        this.metrics = metrics;
        this.registryWait = registryWait;
        this.events = new SqliteEvents(source.sqlite().path());
        this.deadLetters = new CaptureDeadLetters(source.name(), metrics);
    }

    /** Called after each Kafka transaction of a resync but its last (tests stop the capture there). */
    void afterStep(Runnable r) {
        this.afterStep = r;
    }

    /** Why the topics cannot stand for what the targets hold (a full snapshot is needed), or null when a resync can. */
    String refusal() {
        try (HeldRows held = new HeldRows(kafka, registry, registryWait)) {
            for (TableRef t : source.tables()) {
                String why = held.refusal(t.topic());
                if (why != null) {
                    return why;
                }
            }
            return null;
        }
    }

    /** Resyncs every table and returns the decoder that continues right after the position it read at. */
    WalDecoder take(ChangeEventWriter writer) throws SQLException, IOException, InterruptedException {
        long started = System.nanoTime();
        SqliteSnapshot.Start start = snapshot.beginAtWalEnd();
        positions.startResync(start.decoder().position());
        log.info("resync started source={} wal={}", source.name(), positions.wal());
        sent = 0;
        inTransaction = 0;
        long read = 0;
        long deletes = 0;
        writer.begin();
        try (HeldRows held = new HeldRows(kafka, registry, registryWait)) {
            for (TableRef t : source.tables()) {
                commitIfDue(writer, true); // reading a topic may take a while: nothing waits on it meanwhile
                TableSchema schema = SqliteSnapshot.schema(start.decoder(), t, start.reader());
                Map<List<Object>, HeldRows.Held> rows = held.read(t.topic(), positions.generation(t.table()));
                read += sendChanged(writer, schema, start.reader(), rows);
                for (ChangeEvent last : held.events(t.topic(), rows.values())) {
                    send(writer, events.event(last.schema(), Op.DELETE, last.after(), null, positions.resyncRow(t.table(), sent + 1), true));
                    deletes++;
                }
            }
        }
        positions.commit(writer, true);
        long nanos = System.nanoTime() - started;
        metrics.timer("tributary.capture.resync", "source", source.name()).record(Duration.ofNanos(nanos));
        log.info("resync committed source={} rows_read={} events={} deletes={} seconds={} wal={}", source.name(), read, sent, deletes,
                String.format("%.2f", nanos / 1e9), positions.wal());
        return start.decoder();
    }

    /**
     * Sends the rows of the table of {@code schema} that {@code held} lacks or holds with another image,
     * removing every key it reads from {@code held} (what is left is gone from the table); returns the rows read.
     */
    private long sendChanged(ChangeEventWriter writer, TableSchema schema, Connection reader, Map<List<Object>, HeldRows.Held> held)
            throws SQLException {
        long n = 0;
        try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery(SqliteTables.selectAll(schema))) {
            while (rs.next()) {
                n++;
                Map<String, Object> row;
                try {
                    row = SqliteEvents.row(schema, rs);
                } catch (SqliteTypes.ValueMismatch odd) {
                    held.remove(key(schema, rs)); // the row exists: never a delete; the topic keeps its last image
                    Position pos = positions.resyncRow(schema.table().table(), sent + 1);
                    deadLetters.send(writer, schema.table(), Op.READ, SqliteSnapshot.stored(rs, schema, schema.primaryKey()), pos, odd.getMessage(),
                            SqliteSnapshot.stored(rs, schema, null));
                    continue;
                }
                HeldRows.Held was = held.remove(RowDigest.key(row, schema.primaryKey()));
                if (was == null || was.digest() != digest.of(row)) {
                    send(writer, events.event(schema, Op.READ, null, row, positions.resyncRow(schema.table().table(), sent + 1), true));
                } else {
                    commitIfDue(writer, false);
                }
            }
        }
        return n;
    }

    /** The key of the current row in its contract form, or null when a key column holds a value its type cannot carry. */
    private static List<Object> key(TableSchema schema, ResultSet rs) throws SQLException {
        List<Object> key = new ArrayList<>();
        for (String k : schema.primaryKey()) {
            int i = schema.columns().indexOf(schema.column(k).orElseThrow());
            Column c = schema.columns().get(i);
            try {
                key.add(SqliteTypes.contractValue(rs.getObject(i + 1), c, schema));
            } catch (SqliteTypes.ValueMismatch odd) {
                return null;
            }
        }
        return key;
    }

    private void send(ChangeEventWriter writer, ChangeEvent e) {
        writer.write(e);
        sent++;
        if (inTransaction++ == 0) {
            transactionStarted = System.nanoTime();
        }
        commitIfDue(writer, false);
    }

    /**
     * Commits the open Kafka transaction (position unresumable) when it holds {@value #CHUNK} events, has been
     * open for {@value #OPEN_MS} ms (a long scan finding few differences must not hold read_committed readers
     * of the table back), or {@code now}.
     */
    private void commitIfDue(ChangeEventWriter writer, boolean now) {
        if (inTransaction > 0 && (now || inTransaction >= CHUNK || System.nanoTime() - transactionStarted > OPEN_MS * 1_000_000L)) {
            positions.commitUnresumable(writer);
            inTransaction = 0;
            afterStep.run();
            writer.begin();
        }
    }
}
