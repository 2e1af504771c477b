package io.tributary.capture.postgres;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.common.signal.ResnapshotRequest;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.kafka.Topics;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.apache.kafka.connect.data.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshot part of capture-postgres. Every snapshot of a table gets a new generation ({@link
 * TableGenerations}) before its first row; a table is read again as a Debezium incremental snapshot (chunks
 * between read-only watermarks, asked for through the {@link SignalTable}; streaming never stops) when it joins the
 * pipeline later or a re-snapshot is requested ({@link ResnapshotRequest}); and once a table's snapshot rows
 * are acknowledged by Kafka its {@link GenerationMarker} is written, naming the last row.
 *
 * <p>Debezium says what it does through notifications (channel {@code sink}), handed to the engine's
 * handler in order with the rows:
 * <ul>
 *   <li>Initial Snapshot STARTED: a blocking snapshot of every table (a first start, or a restart before the
 *       previous one completed): every table gets a new generation, so the rows read again win over the ones
 *       an interrupted snapshot left.</li>
 *   <li>Initial Snapshot COMPLETED: every table's marker. SKIPPED: streaming resumes from the stored offsets;
 *       a table without a generation (added to the pipeline since) gets one and an incremental snapshot, a
 *       table whose snapshot had not completed gets its incremental snapshot requested again.</li>
 *   <li>Incremental Snapshot TABLE_SCAN_COMPLETED: with status SUCCEEDED or EMPTY, the table's marker; any
 *       other status is logged as an error, and the table keeps its new generation without a marker (nothing
 *       is dropped in the targets) until it is snapshotted again.</li>
 * </ul>
 *
 * <p>Not guaranteed: a request for a table whose snapshot is still running is ignored (that snapshot will
 * complete it); one for a table snapshotted since the request was made is satisfied by that snapshot. A
 * capture restarted during an incremental snapshot asks for it again: Debezium may then read the table twice
 * (the same generation, harmless).
 *
 * <p>Threads: notifications and rows come from the engine thread; requests from the request reader's.
 */
final class PostgresSnapshots {
    private static final Logger log = LoggerFactory.getLogger(PostgresSnapshots.class);
    static final String INITIAL = "Initial Snapshot";
    static final String INCREMENTAL = "Incremental Snapshot";

    private final PipelineConfig.Source source;
    private final TableGenerations generations;
    private final ChangeEventWriter writer;
    private final BiConsumer<TableRef, String> askForSnapshot;
    private final Runnable onStreaming;
    private final Map<String, TableRef> tables = new HashMap<>();
    private final Map<TableRef, Position> lastRows = new HashMap<>();
    private final Set<TableRef> progressed = new LinkedHashSet<>();
    private volatile boolean streaming;

    /**
     * @param askForSnapshot asks Debezium for an incremental snapshot of a table, for a request id ({@link SignalTable})
     * @param onStreaming    called once, on the engine thread, when the initial snapshot is done or skipped
     */
    PostgresSnapshots(PipelineConfig.Source source, TableGenerations generations, ChangeEventWriter writer,
                      BiConsumer<TableRef, String> askForSnapshot, Runnable onStreaming) {
        this.source = source;
        this.generations = generations;
        this.writer = writer;
        this.askForSnapshot = askForSnapshot;
        this.onStreaming = onStreaming;
        source.tables().forEach(t -> tables.put(t.qualifiedName(), t));
    }

    /** The position's generation for an event of {@code table}. */
    long generation(TableRef table) {
        return generations.generation(table);
    }

    /** True once the initial snapshot is done or was skipped: changes are streaming. */
    boolean streaming() {
        return streaming;
    }

    /** One of Debezium's notifications (its {@code sink} channel's record value). */
    void onNotification(Struct notification) {
        String aggregate = notification.getString("aggregate_type");
        String type = notification.getString("type");
        @SuppressWarnings("unchecked")
        Map<String, String> data = notification.getMap("additional_data") == null ? Map.of() : (Map<String, String>) (Map<?, ?>) notification.getMap("additional_data");
        if (INITIAL.equals(aggregate)) {
            onInitial(type);
        } else if (INCREMENTAL.equals(aggregate) && "TABLE_SCAN_COMPLETED".equals(type)) {
            onTableScanned(data.get("scanned_collection"), data.get("status"));
        } else if (INCREMENTAL.equals(aggregate) && ("STARTED".equals(type) || "COMPLETED".equals(type) || "ABORTED".equals(type))) {
            log.info("incremental snapshot {} source={} tables={}", type.toLowerCase(), source.name(), data.getOrDefault("data_collections", ""));
        }
    }

    private void onInitial(String type) {
        switch (type) {
            case "STARTED" -> {
                lastRows.clear();
                for (TableRef t : source.tables()) {
                    long g = generations.begin(t, "initial");
                    log.info("snapshot begins source={} table={} generation={}", source.name(), t.qualifiedName(), g);
                }
            }
            case "COMPLETED" -> {
                source.tables().forEach(this::writeMarker);
                startStreaming();
            }
            case "SKIPPED" -> {
                backfill();
                startStreaming();
            }
            case "ABORTED" -> log.warn("initial snapshot aborted source={}: the next start snapshots again, in new generations", source.name());
            default -> { }
        }
    }

    private void startStreaming() {
        if (!streaming) {
            streaming = true;
            onStreaming.run();
        }
    }

    /** Streaming resumes: tables without a generation are backfilled, unfinished snapshots asked for again. */
    private void backfill() {
        for (TableRef t : source.tables()) {
            var state = generations.state(t);
            if (state.isEmpty() || state.get().generation() == 0) {
                String id = "backfill-" + UUID.randomUUID();
                long g = generations.begin(t, id);
                log.info("backfilling table source={} table={} generation={}: it has no snapshot yet (added to the pipeline since, "
                        + "or captured before generations existed)", source.name(), t.qualifiedName(), g);
                requestIncremental(t, id);
            } else if (!state.get().complete()) {
                log.info("snapshot of table not complete, asking for it again source={} table={} generation={}", source.name(),
                        t.qualifiedName(), state.get().generation());
                requestIncremental(t, state.get().request() == null ? "resume-" + UUID.randomUUID() : state.get().request());
            }
        }
    }

    private void onTableScanned(String qualifiedName, String status) {
        TableRef t = tables.get(qualifiedName);
        if (t == null) {
            return;
        }
        if ("SUCCEEDED".equals(status) || "EMPTY".equals(status)) {
            writeMarker(t);
        } else {
            log.error("incremental snapshot of table did not complete source={} table={} status={}: the table keeps its new generation "
                    + "without a marker (no target drops anything); fix the cause in the capture's log and run tributary resnapshot again",
                    source.name(), qualifiedName, status);
        }
    }

    /** A row of a snapshot (blocking or incremental) of {@code table}, at {@code position}. */
    void onSnapshotRow(TableRef table, Position position) {
        lastRows.put(table, position);
        progressed.add(table);
    }

    /** After the batch's events were acknowledged: the snapshots' newest rows are stored. */
    void afterBatch() {
        for (TableRef t : progressed) {
            generations.progress(t, lastRows.get(t));
        }
        progressed.clear();
    }

    /** The table's marker, once every row before it is acknowledged; the snapshot is then complete. */
    private void writeMarker(TableRef t) {
        var state = generations.state(t).orElse(null);
        if (state == null || state.complete()) {
            return;
        }
        writer.flush();
        Position last = lastRows.get(t);
        Position through = last != null && last.parts()[0] == state.generation() ? last : state.through();
        GenerationMarker marker = new GenerationMarker(source.name(), t.table(), state.generation(), through);
        writer.send(Topics.generations(source.name()), marker.key(), marker.value());
        writer.flush();
        generations.complete(t);
        lastRows.remove(t);
        log.info("snapshot complete source={} table={} generation={} through={}", source.name(), t.qualifiedName(), state.generation(), through);
    }

    /**
     * A TRUNCATE of {@code table} (streamed at {@code lsn}): the table begins a new generation whose snapshot is
     * empty, and its marker is written at once (no {@code through}). A reader drops every row of the older
     * generations and refuses their events from then on, so the target is emptied, and what the application
     * writes after the TRUNCATE (positioned in the new generation) is applied. A truncate read again after a
     * restart is recognised by its LSN and begins nothing new. The caller has flushed the events before it.
     */
    void onTruncate(TableRef table, long lsn) {
        String id = "truncate-" + lsn;
        synchronized (generations) {
            var state = generations.state(table);
            if (state.isPresent() && id.equals(state.get().request())) {
                return;
            }
            long g = generations.begin(table, id);
            lastRows.remove(table);
            log.info("table truncated source={} table={} lsn={} generation={}: the targets empty it", source.name(), table.qualifiedName(), lsn, g);
            writeMarker(table);
        }
    }

    /** A request of {@code tributary resnapshot}: a new generation for the table, then its incremental snapshot. */
    void request(ResnapshotRequest r) {
        TableRef t = tables.get(r.table());
        if (t == null) {
            log.warn("ignoring resnapshot request id={} source={} table={}: not a table of this source in the pipeline file (tables: {})",
                    r.id(), source.name(), r.table(), tables.keySet());
            return;
        }
        synchronized (generations) {
            var state = generations.state(t);
            if (state.isPresent() && r.id().equals(state.get().request())) {
                return; // read again after a restart: already acted on
            }
            if (state.isPresent() && !state.get().complete()) {
                log.warn("ignoring resnapshot request id={} source={} table={}: its snapshot in generation {} is still running",
                        r.id(), source.name(), r.table(), state.get().generation());
                return;
            }
            if (state.isPresent() && state.get().generation() > r.requestedAtMs()) {
                log.info("resnapshot request id={} source={} table={} is satisfied by generation {}, begun after it", r.id(), source.name(),
                        r.table(), state.get().generation());
                return;
            }
            long g = generations.begin(t, r.id());
            log.info("resnapshot source={} table={} generation={} request={}", source.name(), r.table(), g, r.id());
            requestIncremental(t, r.id());
        }
    }

    private void requestIncremental(TableRef t, String id) {
        askForSnapshot.accept(t, id);
    }
}
