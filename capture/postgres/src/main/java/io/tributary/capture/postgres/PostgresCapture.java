package io.tributary.capture.postgres;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.debezium.engine.spi.OffsetCommitPolicy;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.common.signal.ResnapshotRequests;
import io.tributary.common.signal.ResnapshotRequest;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.kafka.Topics;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.common.sql.Bookkeeping;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures one PostgreSQL source with Debezium Embedded (pgoutput logical replication): an initial
 * snapshot, then the change stream, written to the per-table topics through {@link ChangeEventWriter};
 * later snapshots of single tables (added to the pipeline, or re-snapshotted on request) run as incremental
 * snapshots while the stream goes on ({@link PostgresSnapshots}). Debezium's offsets live in the Kafka topic
 * {@code tributary.offsets.<source>} and the tables' generations in {@code tributary.snapshots.<source>}, so
 * the process keeps no local state; offsets are committed only after Kafka acknowledged the batch's events,
 * so a crash re-sends (never skips) events, and the sink's position guard absorbs the repeats.
 */
final class PostgresCapture implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PostgresCapture.class);
    private final PipelineConfig.Source source;
    private final ChangeEventWriter writer;
    private final Map<String, TableRef> tablesByTopic = new HashMap<>();
    private final RowPlans plans = new RowPlans();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "capture-postgres"));
    private final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    /** Records Debezium hands over at once (its default), the most a crash can leave sent but unrecorded. */
    static final int MAX_BATCH = 2048;
    private final PostgresPositions positions = new PostgresPositions();
    private final PostgresSnapshots snapshots;
    private final ResnapshotRequests requests;
    private final String notifications;
    private volatile Throwable failure;

    private final CaptureDeadLetters deadLetters;
    private final PostgresDefinitions definitions;
    private final AppliedTransactions applied;

    PostgresCapture(PipelineConfig config, PipelineConfig.Source source, ChangeEventWriter writer, TableGenerations generations,
                    CaptureDeadLetters deadLetters, io.micrometer.core.instrument.MeterRegistry metrics) {
        this.source = source;
        this.applied = new AppliedTransactions(io.micrometer.core.instrument.Counter.builder("tributary.capture.applied.skipped")
                .description("row changes left out because Tributary's sink applied them in this source")
                .tag("source", source.name()).register(metrics));
        this.writer = writer;
        this.deadLetters = deadLetters;
        this.definitions = new PostgresDefinitions(source.postgres());
        this.notifications = notificationTopic(source);
        source.tables().forEach(t -> tablesByTopic.put(Topics.perTable(t), t));
        this.requests = new ResnapshotRequests(config.kafka(), source.name(), "tributary-capture-" + source.name(), this::request);
        SignalTable signals = new SignalTable(source.postgres());
        this.snapshots = new PostgresSnapshots(source, generations, writer, signals::executeSnapshot, requests::start);
        positions.continueAfter(generations.lastSnapshotOrdinal() + MAX_BATCH);
        this.engine = DebeziumEngine.create(ChangeEventFormat.of(io.debezium.embedded.Connect.class))
                .using(connectorProperties(config, source))
                .using(OffsetCommitPolicy.always())
                .using((success, message, error) -> {
                    if (!success) {
                        failure = error != null ? error : new IllegalStateException(message);
                        log.error("capture-postgres engine stopped source={} message={}", source.name(), message, error);
                    }
                })
                .notifying(this::handleBatch)
                .build();
    }

    static Properties connectorProperties(PipelineConfig config, PipelineConfig.Source source) {
        PipelineConfig.Postgres pg = source.postgres();
        Properties url = org.postgresql.Driver.parseURL(pg.url(), null);
        if (url == null) {
            throw new IllegalArgumentException("sources[" + source.name() + "].postgres.url '" + pg.url() + "' is not a PostgreSQL JDBC URL");
        }
        Properties p = new Properties();
        p.setProperty("name", "tributary-" + source.name());
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("database.hostname", url.getProperty("PGHOST", "localhost"));
        p.setProperty("database.port", url.getProperty("PGPORT", "5432"));
        p.setProperty("database.dbname", url.getProperty("PGDBNAME"));
        p.setProperty("database.user", pg.user());
        p.setProperty("database.password", pg.password().value());
        tls(p, url);
        p.setProperty("topic.prefix", source.name());
        p.setProperty("slot.name", pg.slot());
        p.setProperty("publication.name", pg.publication());
        p.setProperty("publication.autocreate.mode", "filtered");
        p.setProperty("table.include.list", source.tables().stream()
                .map(t -> java.util.regex.Pattern.quote(t.schema()) + "\\." + java.util.regex.Pattern.quote(t.table()))
                .collect(Collectors.joining(",")));
        p.setProperty("snapshot.mode", "initial");
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("time.precision.mode", "adaptive_time_microseconds");
        p.setProperty("binary.handling.mode", "bytes");
        // exact text of what has no exact Connect form (ConnectRecords, PgText): intervals in ISO 8601 (not
        // microseconds with a month of 30.4 days), hstore as a map, and types Debezium does not know (extension
        // types) as the bytes of their text instead of leaving the column out
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("hstore.handling.mode", "map");
        p.setProperty("include.unknown.datatypes", "true");
        p.setProperty("column.propagate.source.type", ".*");
        // arrays as the server's text of the value, any element type and any number of dimensions (PgArrays)
        p.setProperty("converters", PgArrays.NAME);
        p.setProperty(PgArrays.NAME + ".type", PgArrays.class.getName());
        // a table that is also a Tributary target (the way back after a cutover) has the sink's columns: not data
        p.setProperty("column.exclude.list", java.util.stream.Stream.of(Bookkeeping.POSITION, Bookkeeping.DELETED)
                .map(c -> ".+\\." + java.util.regex.Pattern.quote(c)).collect(Collectors.joining(",")));
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("skipped.operations", "none"); // Debezium skips truncates by default; they empty the targets (PostgresSnapshots.onTruncate)
        heartbeat(p, pg);
        snapshotWorkers(p, pg);
        p.setProperty("unavailable.value.placeholder", ConnectRecords.UNAVAILABLE);
        // later snapshots of single tables: Debezium's incremental snapshots with read-only watermarks
        // (pg_current_snapshot(), PostgreSQL 13+), asked for through the signal table so that Debezium acts on
        // them on its streaming thread (SignalTable)
        p.setProperty("read.only", "true");
        p.setProperty("signal.enabled.channels", "source");
        p.setProperty("signal.data.collection", pg.signalTable());
        // what Debezium does (snapshot started, skipped, a table scanned) reaches the handler in order with the rows
        p.setProperty("notification.enabled.channels", "sink");
        p.setProperty("notification.sink.topic.name", notificationTopic(source));
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.setProperty("offset.storage.topic", Topics.offsets(source.name()));
        p.setProperty("offset.storage.partitions", "1");
        p.setProperty("offset.storage.replication.factor", String.valueOf(config.kafka().replicationFactor()));
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("bootstrap.servers", config.kafka().bootstrap());
        memoryBounds(p);
        p.setProperty("poll.interval.ms", String.valueOf(POLL_INTERVAL.toMillis()));
        config.kafka().properties().forEach(p::setProperty);
        p.setProperty("max.batch.size", String.valueOf(MAX_BATCH)); // after kafka.properties: PostgresPositions relies on it
        return p;
    }

    /**
     * How long Debezium waits before it hands over a batch that is not full, and how long its replication reader
     * sleeps after five reads that found nothing (Debezium's {@code poll.interval.ms}, 500 ms by default: in
     * 3.6.3 {@code ChangeEventQueue.poll} waits up to it for {@value #MAX_BATCH} records, and
     * {@code PostgresStreamingChangeEventSource} pauses for it). At the default a change arriving at a moderate
     * rate waited up to a second in the capture alone; at 10 ms a lone change leaves within about 20 ms. What it
     * costs: while the source is idle the reader wakes 100 times a second for a non-blocking read, and batches
     * under a moderate load are smaller, each with its flush and offset commit (under a heavy load they fill to
     * {@value #MAX_BATCH} as before). docs/performance.md, "Streaming lag".
     */
    static final java.time.Duration POLL_INTERVAL = java.time.Duration.ofMillis(10);

    /** The most Debezium's queue holds, in bytes of its records (its estimate): wide rows fill it before the count does. */
    static final long QUEUE_BYTES = 32L << 20;
    /** Rows a snapshot fetches from the source at once (Debezium's default is 10,240): they are held in memory together. */
    static final int SNAPSHOT_FETCH_ROWS = 2048;

    /**
     * Bounds what the engine holds, so that the capture stays in its heap (docs/operations.md, "Memory") whatever
     * the width of the rows: the queue between Debezium's reading thread and the handler by count (its default,
     * 8,192, four batches) and by bytes, and the rows of a snapshot fetch. Not bounded: a single row larger
     * than the heap, and a fetch of {@value #SNAPSHOT_FETCH_ROWS} rows averaging over ~50 KiB each.
     */
    private static void memoryBounds(Properties p) {
        p.setProperty("max.queue.size", String.valueOf(4 * MAX_BATCH));
        p.setProperty("max.queue.size.in.bytes", String.valueOf(QUEUE_BYTES));
        p.setProperty("snapshot.fetch.size", String.valueOf(SNAPSHOT_FETCH_ROWS));
    }

    /** The URL's TLS parameters Debezium takes as {@code database.<name>}: its own connections use them. */
    private static final List<String> TLS = List.of("sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "sslfactory");

    /**
     * TLS as the JDBC URL asks for it, for Debezium's connections too (the replication one included), not
     * only for the JDBC ones of the preflight and statistics. pgjdbc reads {@code ssl=true} without an
     * {@code sslmode} as {@code verify-full}; Debezium's own default would be {@code prefer} (TLS without
     * checking the certificate, or no TLS at all), so that is said explicitly.
     */
    private static void tls(Properties p, Properties url) {
        for (String name : TLS) {
            if (url.getProperty(name) != null) {
                p.setProperty("database." + name, url.getProperty(name));
            }
        }
        String ssl = url.getProperty("ssl");
        if (url.getProperty("sslmode") == null && ssl != null && !ssl.equalsIgnoreCase("false")) {
            p.setProperty("database.sslmode", "verify-full");
        }
    }

    /** The logical-decoding message prefix of the capture's heartbeats; nothing reads their content. */
    static final String HEARTBEAT_PREFIX = "tributary-heartbeat";

    /**
     * Heartbeats, so that the slot releases WAL while the captured tables are idle and others are busy: every
     * interval Debezium writes a logical-decoding message into the WAL (non-transactional, no table, so it
     * works on a source where the capture may not write tables) and reads it back through the slot. Its offset
     * is committed like any event's, and Debezium then confirms that LSN to the server. Without it PostgreSQL
     * 15 sends the capture nothing for transactions that touch no published table, and the slot holds all
     * their WAL. pg_logical_emit_message needs PostgreSQL 9.6 and, with pgoutput, 14 for the capture to read it.
     */
    private static void heartbeat(Properties p, PipelineConfig.Postgres pg) {
        if (pg.heartbeat().isZero()) {
            return;
        }
        p.setProperty("heartbeat.interval.ms", String.valueOf(pg.heartbeat().toMillis()));
        p.setProperty("heartbeat.action.query", "SELECT pg_logical_emit_message(false, '" + HEARTBEAT_PREFIX + "', now()::text)");
    }

    /**
     * The initial snapshot read by {@code snapshot-workers} threads, a large table split among them. Debezium
     * (3.4 and later) does it with its chunked snapshot: on the snapshot connection it counts each table's
     * rows and finds the primary-key values that split them into {@code workers} ranges of about equal size
     * ({@code ORDER BY key OFFSET n LIMIT 1}, in the snapshot), then each worker reads one range at a time on
     * its own connection, inside a transaction on the snapshot the replication slot exported when it was made
     * ({@code SET TRANSACTION SNAPSHOT}), so all ranges are the one consistent snapshot the stream continues
     * from. The rows reach the handler through the same queue, converters and schema as with one thread: one
     * registry version per table, the same generation, the same notifications (a kill still means a new
     * snapshot in new generations). PeerDB splits by CTID instead, which needs no key; every captured table has
     * a primary key here (the preflight), and key ranges keep each range's scan an index range scan.
     *
     * <p>A restart before the initial snapshot completed finds the slot made: no snapshot is exported then,
     * and Debezium does not tie the workers' connections to the snapshot connection, so each range is read in
     * a snapshot of its own, taken after the position the stream resumes from. That is still exact here:
     * every change after that position is streamed in the table's new generation and wins over any snapshot
     * row ({@link PostgresPositions}), so a range read later than the stream's start only holds rows the
     * stream will bring again (ParallelSnapshotKillIT); a range read earlier would not be, and cannot happen.
     *
     * <p>One worker is Debezium's single-threaded path (no chunking), the one used before this setting existed.
     * Incremental snapshots (tables added later, re-snapshots) stay single-threaded: Debezium reads their chunks
     * between watermarks on one thread.
     */
    private static void snapshotWorkers(Properties p, PipelineConfig.Postgres pg) {
        p.setProperty("snapshot.max.threads", String.valueOf(pg.snapshotWorkers()));
        p.setProperty("snapshot.max.threads.multiplier", "1"); // one range per worker: fewer boundary queries on a large table
        p.setProperty("legacy.snapshot.max.threads", "false"); // chunks of one table across threads, not one table per thread
    }

    void start() {
        executor.execute(engine);
    }

    /** The label of Debezium's notification records; they stay in this process (never a Kafka topic). */
    static String notificationTopic(PipelineConfig.Source source) {
        return "__tributary.notifications." + source.name();
    }

    boolean streaming() {
        return snapshots.streaming();
    }

    /** A request of {@code tributary resnapshot}, on the request reader's thread; refused until streaming. */
    private void request(ResnapshotRequest r) {
        snapshots.request(r);
    }


    Throwable failure() {
        return failure;
    }

    private void handleBatch(List<RecordChangeEvent<SourceRecord>> batch,
                             DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        try {
            for (RecordChangeEvent<SourceRecord> e : batch) {
                SourceRecord r = e.record();
                TableRef table = tablesByTopic.get(r.topic());
                if (table != null && r.value() instanceof Struct value && value.schema().field("op") != null) {
                    if (!applied.applied(value)) {
                        emit(table, r, value);
                    }
                } else if (r.value() instanceof Struct value && applied.onMessage(value)) {
                    continue; // a logical-decoding message: a heartbeat, or the mark of a transaction Tributary applied
                } else if (notifications.equals(r.topic()) && r.value() instanceof Struct value) {
                    snapshots.onNotification(value);
                }
            }
            writer.flush();
            deadLetters.flush();
            snapshots.afterBatch();
            for (RecordChangeEvent<SourceRecord> e : batch) {
                if (e.record().sourceOffset() != null && !e.record().sourceOffset().isEmpty()) {
                    committer.markProcessed(e); // a notification sent before any offset existed carries none
                }
            }
            committer.markBatchFinished();
        } catch (RuntimeException ex) {
            failure = ex;
            log.error("capture-postgres cannot write events source={} error={}", source.name(), ex.toString(), ex);
            throw ex;
        }
    }

    private void emit(TableRef table, SourceRecord r, Struct value) {
        Struct src = value.getStruct("source");
        String snapshot = src.get("snapshot") == null ? "false" : src.get("snapshot").toString();
        if ("t".equals(value.getString("op"))) {
            long lsn = src.getInt64("lsn");
            if (source.postgres().refuseTruncate().contains(table.qualifiedName())) {
                // the operator asked the targets to keep their rows: said loudly, and the stream goes on
                deadLetters.sendTruncate(table, r.topic(), lsn, "TRUNCATE of " + table.qualifiedName() + " at LSN " + lsn
                        + " not carried: the table is listed under refuse-truncate, so the targets keep every row it had; "
                        + "remove it from refuse-truncate and run tributary resnapshot to make them equal to the source");
                return;
            }
            writer.flush(); // every change before the truncate is in Kafka before the marker that makes readers drop them
            snapshots.onTruncate(table, lsn);
            return;
        }
        Op op = op(value.getString("op"));
        if (op == null) {
            log.warn("skipping non-row event source={} table={} op={}", source.name(), table, value.getString("op"));
            return;
        }
        if (r.keySchema() == null) {
            throw new IllegalStateException("table " + table + " has no primary key; Tributary keys every event by it "
                    + "(add a primary key to the source table)");
        }
        Schema rowSchema = value.schema().field("after").schema();
        RowPlan plan = plans.of(rowSchema, () -> definitions.complete(ConnectRecords.tableSchema(table, rowSchema, r.keySchema())));
        TableSchema shape = plan.shape();
        Map<String, Object> after = plan.row(value.getStruct("after"));
        Position position = positions.next(snapshots.generation(table), op, src);
        if (op == Op.READ) {
            snapshots.onSnapshotRow(table, position);
        }
        ChangeEvent event = new ChangeEvent(shape, op, plan.row(value.getStruct("before")), after,
                position, src.getInt64("ts_ms"), snapshot, "postgresql", src.getString("db"),
                src.getInt64("txId"), src.getInt64("lsn"), ConnectRecords.unchangedToast(after));
        try {
            writer.write(event);
        } catch (ChangeEventWriter.TooLarge tooLarge) {
            // a row over the limit is data, not a fault: stopping would meet it again on every restart while the slot grows
            deadLetters.send(event, tooLarge.topic(), tooLarge.getMessage());
        }
    }

    /** The row operation of Debezium's {@code op} code; null for messages ("m"), which change no row (truncates are handled before). */
    private static Op op(String code) {
        return switch (code) {
            case "c" -> Op.CREATE;
            case "u" -> Op.UPDATE;
            case "d" -> Op.DELETE;
            case "r" -> Op.READ;
            default -> null;
        };
    }

    @Override
    public void close() {
        requests.close();
        try {
            engine.close();
        } catch (IOException | RuntimeException e) {
            log.warn("closing Debezium engine failed source={} error={}", source.name(), e.toString());
        }
        executor.shutdown();
        try {
            executor.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
