package io.tributary.capture.postgres;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.common.app.AppRunner;
import io.tributary.common.lease.Lease;
import io.tributary.common.lease.PostgresLease;
import io.tributary.common.app.Deployable;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.TableRef;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.common.kafka.RegistryWait;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.common.signal.ResnapshotRequest;
import io.tributary.schemas.kafka.Topics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/tributary capture-postgres --config FILE [--source NAME]}: captures the PostgreSQL sources of
 * the pipeline file (all, or the one named) into their per-table topics ({@link PostgresCapture}).
 */
public final class PostgresCaptureApp implements Deployable {
    private static final Logger log = LoggerFactory.getLogger(PostgresCaptureApp.class);
    private final PipelineConfig config;
    private final List<PipelineConfig.Source> sources;
    private final MeterRegistry metrics;
    private final List<PostgresCapture> captures = new ArrayList<>();
    private final List<ChangeEventWriter> writers = new ArrayList<>();
    private final List<SourceStats> stats = new ArrayList<>();
    private final List<TableGenerations> generations = new ArrayList<>();
    private final List<CaptureDeadLetters> deadLetters = new ArrayList<>();
    private final List<RegistryWait> registryWaits = new ArrayList<>();
    private final Lease lease;

    PostgresCaptureApp(PipelineConfig config, List<PipelineConfig.Source> sources, MeterRegistry metrics) {
        this.config = config;
        this.sources = sources;
        this.metrics = metrics;
        // one active instance per source; a second one waits as a standby (docs/operations.md)
        this.lease = Lease.allOf(sources.stream().<Lease>map(src ->
                new PostgresLease(src.name(), src.postgres().url(), src.postgres().user(), src.postgres().password())).toList());
    }

    @Override
    public Lease lease() {
        return lease;
    }

    public static void main(String[] args) {
        System.exit(run(args, new java.util.concurrent.CountDownLatch(1)));
    }

    /** Runs until {@code stop} is counted down (or SIGTERM); returns the exit code. */
    public static int run(String[] args, java.util.concurrent.CountDownLatch stop) {
        return AppRunner.run("capture-postgres", args, List.of("source"), (config, options, metrics, preflight) -> {
            List<PipelineConfig.Source> sources = preflight.sources(config, options, false);
            // a registry outage is waited out (RegistryWait), not a crash loop
            preflight.concurrently(List.of(new Preflight.Check("kafka_and_registry", p -> p.kafkaAndWaitedRegistry(config,
                    "the capture waits for it before it writes its first event")),
                    new Preflight.Check("sources", p -> sources.forEach(s -> checkSource(s, p)))));
            return new PostgresCaptureApp(config, sources, metrics);
        }, stop);
    }

    /** The source answers, runs with wal_level=logical, and every configured table exists with a primary key. */
    static void checkSource(PipelineConfig.Source s, Preflight preflight) {
        String key = "sources[" + s.name() + "].postgres";
        try (Connection c = Preflight.connect(s.postgres().url(), s.postgres().user(), s.postgres().password())) {
            try (ResultSet rs = c.createStatement().executeQuery("SHOW wal_level")) {
                if (rs.next() && !"logical".equals(rs.getString(1))) {
                    preflight.problem(key + ".url", "the server runs with wal_level=" + rs.getString(1),
                            "set wal_level = logical in postgresql.conf and restart PostgreSQL");
                }
            }
            unlimitedSlotWal(c).ifPresent(w -> log.warn("source={} {}", s.name(), w));
            SignalTable.ensure(c, s.postgres()).ifPresent(problem -> preflight.problem(key + ".signal-table", problem,
                    "create it: CREATE TABLE " + s.postgres().signalTable() + " (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, "
                            + "data varchar(2048)); GRANT INSERT ON it to the user; or name another with signal-table"));
            if (c.getMetaData().getDatabaseMajorVersion() < 13) {
                preflight.problem(key + ".url", "the server is PostgreSQL " + c.getMetaData().getDatabaseProductVersion()
                        + "; tables added later and re-snapshots are read with read-only watermarks (pg_current_snapshot(), PostgreSQL 13 or later)",
                        "upgrade the source to PostgreSQL 13 or later");
            }
            for (TableRef t : s.tables()) {
                try (PreparedStatement ps = c.prepareStatement("SELECT c.oid, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) "
                        + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
                    ps.setString(1, t.schema());
                    ps.setString(2, t.table());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            preflight.problem("sources[" + s.name() + "].tables", "table '" + t.qualifiedName() + "' does not exist",
                                    "check the spelling; list tables with \\dt in psql");
                        } else if (!rs.getBoolean(2)) {
                            preflight.problem("sources[" + s.name() + "].tables", "table '" + t.qualifiedName() + "' has no primary key",
                                    "add a primary key; events are keyed and applied by it");
                        }
                    }
                }
            }
        } catch (SQLException e) {
            preflight.problem(key + ".url", "cannot connect to PostgreSQL at '" + s.postgres().url() + "' as '" + s.postgres().user()
                    + "' (" + Preflight.rootMessage(e) + ")", "check the URL, the user and the password, and that the server is running");
        }
    }

    /**
     * A warning when the server lets a replication slot keep WAL without limit ({@code max_slot_wal_keep_size
     * = -1}, PostgreSQL's default): a capture that is down or stuck then fills the source's disk. Only a
     * warning: with a limit the server invalidates a slot that falls too far behind, and the capture must
     * then take a new snapshot; which one is worse is the operator's call.
     */
    static Optional<String> unlimitedSlotWal(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT setting FROM pg_settings WHERE name = 'max_slot_wal_keep_size'")) {
            if (rs.next() && "-1".equals(rs.getString(1))) {
                return Optional.of("the server runs with max_slot_wal_keep_size = -1: the replication slot keeps WAL without limit "
                        + "while the capture is down or behind, up to filling the source's disk; set a limit in postgresql.conf "
                        + "(e.g. max_slot_wal_keep_size = 50GB) and watch tributary_capture_slot_retained_wal_bytes "
                        + "(docs/operations.md, \"The replication slot\")");
            }
            return Optional.empty();
        }
    }

    @Override
    public void start() {
        SchemaRegistryClient registry = config.registry().client();
        for (PipelineConfig.Source s : sources) {
            List<String> topics = new ArrayList<>(s.tables().stream().map(TableRef::topic).toList());
            topics.add(Topics.generations(s.name()));
            topics.add(Topics.snapshots(s.name()));
            KafkaSetup.ensureTopics(config.kafka(), topics);
            KafkaSetup.ensureTopics(config.kafka(), List.of(Topics.signals(s.name())), ResnapshotRequest.TOPIC);
            KafkaSetup.ensureTopics(config.kafka(), List.of(CaptureDeadLetters.topic(s)), KafkaSetup.DEAD_LETTER_TOPIC);
            RegistryWait registryWait = new RegistryWait("capture-postgres source=" + s.name(),
                    metrics.counter("tributary.errors", "stage", "capture", "source", s.name(), "kind", "retriable"));
            registryWaits.add(registryWait);
            ChangeEventWriter writer = new ChangeEventWriter(config.kafka(), registry, metrics).waitingOutRegistry(registryWait);
            CaptureDeadLetters dead = new CaptureDeadLetters(config, s, metrics);
            TableGenerations generations = TableGenerations.load(config.kafka(), s.name());
            PostgresCapture capture = new PostgresCapture(config, s, writer, generations, dead, metrics);
            deadLetters.add(dead);
            writers.add(writer);
            this.generations.add(generations);
            captures.add(capture);
            capture.start();
            stats.add(new SourceStats(s, metrics).start(java.time.Duration.ofSeconds(10)));
        }
    }

    @Override
    public boolean ready() {
        return !captures.isEmpty() && alive();
    }

    @Override
    public boolean alive() {
        return captures.stream().allMatch(c -> c.failure() == null);
    }

    @Override
    public void close() {
        registryWaits.forEach(RegistryWait::close); // a batch waiting for the registry gives up, so that the engine can stop
        stats.forEach(SourceStats::close);
        captures.forEach(PostgresCapture::close);
        writers.forEach(ChangeEventWriter::close);
        deadLetters.forEach(CaptureDeadLetters::close);
        generations.forEach(TableGenerations::close);
    }
}
