package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.common.app.AppRunner;
import io.tributary.common.lease.FileLease;
import io.tributary.common.lease.Lease;
import io.tributary.common.app.Deployable;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.TableRef;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/tributary capture-sqlite --config FILE [--source NAME]}: captures the SQLite sources of the
 * pipeline file (all of them, or the one named) into their per-table topics with a WAL tailer each
 * ({@link SqliteTailer}): a snapshot at an exact WAL position ({@link SqliteSnapshot}), then every committed
 * change ({@link SqliteStreaming}).
 */
public final class SqliteCaptureApp implements Deployable {
    private final PipelineConfig config;
    private final List<PipelineConfig.Source> sources;
    private final MeterRegistry metrics;
    private final List<SqliteTailer> tailers = new java.util.ArrayList<>();
    private final List<Thread> threads = new java.util.ArrayList<>();
    private final Lease lease;

    SqliteCaptureApp(PipelineConfig config, List<PipelineConfig.Source> sources, MeterRegistry metrics) {
        this.config = config;
        this.sources = sources;
        this.metrics = metrics;
        // one active instance per database file on its host; a second one waits as a standby (docs/operations.md)
        this.lease = Lease.allOf(sources.stream()
                .<Lease>map(src -> new FileLease(src.sqlite().path())).toList());
    }

    public static void main(String[] args) {
        System.exit(run(args, new java.util.concurrent.CountDownLatch(1)));
    }

    /** Runs until {@code stop} is counted down (or SIGTERM); returns the exit code. */
    public static int run(String[] args, java.util.concurrent.CountDownLatch stop) {
        return AppRunner.run("capture-sqlite", args, List.of("source"), SqliteCaptureApp::create, stop);
    }

    static SqliteCaptureApp create(PipelineConfig config, Map<String, String> options, io.micrometer.prometheusmetrics.PrometheusMeterRegistry metrics, Preflight preflight) {
        List<PipelineConfig.Source> sources = preflight.sources(config, options, true);
        // a registry outage is waited out (RegistryWait), not a crash loop
        preflight.concurrently(List.of(new Preflight.Check("sources", p -> sources.forEach(s -> checkSource(s, p))),
                new Preflight.Check("kafka_and_registry", p -> p.kafkaAndWaitedRegistry(config,
                        "the capture waits for it before it writes its first event"))));
        return new SqliteCaptureApp(config, sources, metrics);
    }

    private static void checkSource(PipelineConfig.Source s, Preflight preflight) {
        String key = "sources[" + s.name() + "].sqlite.path";
        if (!Files.isReadable(s.sqlite().path())) {
            preflight.problem(key, "SQLite file '" + s.sqlite().path() + "' does not exist or is not readable", "check the path and permissions");
            return;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + s.sqlite().path() + "?mode=ro")) {
            try (var st = c.createStatement(); var rs = st.executeQuery("PRAGMA journal_mode")) {
                if (rs.next() && !"wal".equalsIgnoreCase(rs.getString(1))) {
                    preflight.problem(key, "'" + s.sqlite().path() + "' is in journal mode " + rs.getString(1) + ", not WAL",
                            "the application must use PRAGMA journal_mode = WAL (it is persistent: run it once)");
                }
            }
            for (TableRef t : s.tables()) {
                if (!SqliteTables.exists(c, t.table())) {
                    preflight.problem("sources[" + s.name() + "].tables", "table '" + t.table() + "' does not exist in " + s.sqlite().path(),
                            "check the spelling; SQLite table names are listed by `sqlite3 FILE .tables`");
                }
            }
        } catch (SQLException e) {
            preflight.problem(key, "cannot open '" + s.sqlite().path() + "' as SQLite: " + e.getMessage(), "is it a SQLite database file?");
        }
    }

    @Override
    public Lease lease() {
        return lease;
    }

    @Override
    public void start() {
        SchemaRegistryClient registry = config.registry().client();
        for (PipelineConfig.Source s : sources) {
            List<String> topics = new java.util.ArrayList<>(s.tables().stream().map(TableRef::topic).toList());
            topics.add(io.tributary.schemas.kafka.Topics.positions(s.name()));
            topics.add(io.tributary.schemas.kafka.Topics.generations(s.name()));
            KafkaSetup.ensureTopics(config.kafka(), topics);
            KafkaSetup.ensureTopics(config.kafka(), List.of(CaptureDeadLetters.topic(s.name())), KafkaSetup.DEAD_LETTER_TOPIC);
            metrics.counter("tributary.errors", "stage", "capture-sqlite", "service", s.name(), "kind", "dead_letter");
            KafkaSetup.ensureTopics(config.kafka(), List.of(io.tributary.schemas.kafka.Topics.signals(s.name())),
                    io.tributary.common.signal.ResnapshotRequest.TOPIC);
            SqliteTailer tailer = new SqliteTailer(config.kafka(), s, registry, metrics);
            WalFileGauges.register(metrics, s.name(), s.sqlite().path());
            // at 0 from the start, so that the first gap is an increase the alert rules see
            metrics.counter("tributary.capture.gaps", "source", s.name());
            metrics.counter("tributary.capture.transactions", "source", s.name());
            metrics.timer("tributary.capture.quiet.window", "source", s.name());
            Thread t = new Thread(tailer, "capture-sqlite-" + s.name());
            tailers.add(tailer);
            threads.add(t);
            t.start();
        }
    }

    @Override
    public boolean ready() {
        return !tailers.isEmpty() && tailers.stream().allMatch(SqliteTailer::streaming) && alive();
    }

    @Override
    public boolean alive() {
        return tailers.stream().allMatch(t -> t.failure() == null);
    }

    @Override
    public void close() {
        tailers.forEach(SqliteTailer::close);
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
