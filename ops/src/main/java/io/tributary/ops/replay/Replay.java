package io.tributary.ops.replay;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.ops.reconcile.Progress;
import io.tributary.ops.reconcile.ReconcileOptions;
import io.tributary.ops.reconcile.Reconciler;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.sink.postgres.ServiceSink;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds one service's target from its topics with the sink itself ({@link ServiceSink}, the same apply
 * path and position guard), under a consumer group of its own ({@link ReplayOffsets#group}): it notes the end
 * offsets when it starts, applies until the sink has reached them, and can then be reconciled while the sink
 * keeps applying (rows the source changes meanwhile converge within reconcile's settle period) and stopped,
 * or left following. Interrupted, it stops as the sink does (the batch in hand committed or not at all);
 * started again with the same service and target it resumes from the group's committed offsets, and records
 * applied twice are refused by the position guard.
 */
public final class Replay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replay.class);
    private final PipelineConfig config;
    private final PipelineConfig.Service service;
    private ReplayOffsets offsets;
    private ReplayProgress progress;
    private ServiceSink sink;
    private Thread thread;

    /** A replay of {@code service} into {@code target} (its own target when null). */
    public Replay(PipelineConfig config, PipelineConfig.Service service, PipelineConfig.Database target) {
        PipelineConfig.Database into = target != null ? target : service.target();
        this.service = new PipelineConfig.Service(service.name(), ReplayOffsets.group(service.name(), into.url()), into, service.tables(),
                service.options(), service.parkTimeout());
        List<PipelineConfig.Service> services = new ArrayList<>();
        config.services().forEach(s -> services.add(s.name().equals(service.name()) ? this.service : s));
        this.config = new PipelineConfig(config.kafka(), config.registry(), config.sources(), services, config.http(), config.httpBind(),
                config.stateDir());
    }

    /** The pipeline with the service replayed into the replay's target: what reconcile compares. */
    public PipelineConfig pipeline() {
        return config;
    }

    public String group() {
        return service.group();
    }

    /** Reads where to start and where the end is, then starts the sink; progress is drawn on {@code err}. */
    public void start(Instant fromTime, PrintStream err, boolean terminal) throws InterruptedException {
        ServiceSink s = new ServiceSink(config, service, config.registry().client(), new SimpleMeterRegistry());
        List<String> topics = new ArrayList<>(s.topics());
        topics.addAll(s.generationTopics());
        try (Admin admin = Admin.create(KafkaSetup.base(config.kafka()))) {
            offsets = ReplayOffsets.prepare(admin, service.group(), topics, fromTime);
        }
        KafkaSetup.ensureTopics(config.kafka(), List.of(ServiceSink.deadLetterTopic(service)), KafkaSetup.DEAD_LETTER_TOPIC);
        Map<String, String> tableOfTopic = new HashMap<>();
        service.tables().forEach(t -> tableOfTopic.put(service.topic(t), service.targetTable(t)));
        progress = new ReplayProgress(offsets, tableOfTopic, err, terminal);
        if (offsets.resumed() && fromTime != null) {
            log.warn("replay service={} group={} resumes from its committed offsets; --from-time {} is not used (delete the group to start over)",
                    service.name(), service.group(), fromTime);
        }
        log.info("replay service={} group={} target={} records={} {}", service.name(), service.group(), service.target().url(),
                offsets.records(), offsets.resumed() ? "resuming from the group's committed offsets" : "from " + (fromTime == null ? "the beginning" : fromTime));
        sink = s.watch(progress);
        thread = new Thread(sink, "replay-sink-" + service.name());
        thread.start();
    }

    /**
     * Waits until the sink has applied every record up to the end offsets noted at the start; false if the sink
     * stopped first (its {@link #failure()} says why).
     */
    public boolean awaitCaughtUp() throws InterruptedException {
        while (!progress.awaitCaughtUp(500)) {
            if (!thread.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** Waits up to {@code millis} until at least {@code records} records are applied (counted from this run's start); whether they are. */
    public boolean awaitApplied(long records, long millis) throws InterruptedException {
        return progress.awaitApplied(records, millis);
    }

    /**
     * Waits up to {@code millis} while events wait in the target for a parent row (the sink retries them every
     * 2 s when idle); returns how many still wait: rows reconcile will report missing unless their parents come.
     */
    public long awaitParked(long millis) throws InterruptedException, SQLException {
        long deadline = System.currentTimeMillis() + millis;
        long parked = parked();
        while (parked > 0 && System.currentTimeMillis() < deadline && thread.isAlive()) {
            Thread.sleep(250);
            parked = parked();
        }
        return parked;
    }

    private long parked() throws SQLException {
        // the service's own parked events: other services may share the target database
        try (Connection c = Preflight.connect(service.target().url(), service.target().user(), service.target().password());
             java.sql.PreparedStatement s = c.prepareStatement("SELECT CASE WHEN to_regclass('" + Bookkeeping.PARKED + "') IS NULL THEN 0 ELSE "
                     + "(SELECT count(*) FROM " + Bookkeeping.PARKED + " WHERE topic = ANY (?)) END")) {
            s.setArray(1, c.createArrayOf("text", service.tables().stream()
                    .map(service::topic).toArray()));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Compares the replayed service's tables with their sources, while the sink keeps applying. */
    public List<TableReport> reconcile(ReconcileOptions options, Progress reconcileProgress) {
        return Reconciler.reconcile(config, options, service.name(), null, reconcileProgress);
    }

    /** Per table: records applied, of how many, over how long. */
    public List<ReplayedTable> tables() {
        return progress.tables();
    }

    public ReplayOffsets offsets() {
        return offsets;
    }

    /** Why the sink stopped, or null. */
    public Throwable failure() {
        return sink == null ? null : sink.failure();
    }

    /** Runs until the sink stops (for --follow: it stops on {@link #close()}, e.g. from SIGTERM). */
    public void join() throws InterruptedException {
        thread.join();
    }

    /** Stops the sink as SIGTERM stops it: the batch in hand is applied and committed, or not at all. */
    @Override
    public void close() throws InterruptedException {
        if (sink != null) {
            sink.close();
            thread.join(60_000);
        }
    }
}
