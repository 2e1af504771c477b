package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.common.app.AppRunner;
import io.tributary.common.app.Deployable;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.TableRef;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.kafka.ChangeEventWriter;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/tributary capture-sqlite --config FILE [--source NAME]}: captures the SQLite sources of the
 * pipeline file (all of them, or the one named) into their per-table topics. For now this is a consistent
 * snapshot ({@link SqliteSnapshot}); the process exits 0 once every source's snapshot is acknowledged.
 */
public final class SqliteCaptureApp implements Deployable {
    private static final Logger log = LoggerFactory.getLogger(SqliteCaptureApp.class);
    private final PipelineConfig config;
    private final List<PipelineConfig.Source> sources;
    private final MeterRegistry metrics;
    private volatile boolean done;
    private volatile boolean failed;
    private Thread worker;

    SqliteCaptureApp(PipelineConfig config, List<PipelineConfig.Source> sources, MeterRegistry metrics) {
        this.config = config;
        this.sources = sources;
        this.metrics = metrics;
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
        for (PipelineConfig.Source s : sources) {
            checkSource(s, preflight);
        }
        preflight.kafkaAndRegistry(config);
        return new SqliteCaptureApp(config, sources, metrics);
    }

    private static void checkSource(PipelineConfig.Source s, Preflight preflight) {
        String key = "sources[" + s.name() + "].sqlite.path";
        if (!Files.isReadable(s.sqlite().path())) {
            preflight.problem(key, "SQLite file '" + s.sqlite().path() + "' does not exist or is not readable", "check the path and permissions");
            return;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + s.sqlite().path() + "?mode=ro")) {
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
    public void start() {
        List<String> topics = sources.stream().flatMap(s -> s.tables().stream()).map(TableRef::topic).toList();
        KafkaSetup.ensureTopics(config.kafka(), topics);
        worker = new Thread(() -> {
            try (ChangeEventWriter writer = new ChangeEventWriter(config.kafka(), new SchemaRegistryClient(config.registry().url()), metrics)) {
                for (PipelineConfig.Source s : sources) {
                    long rows = SqliteSnapshot.run(s, writer);
                    log.info("snapshot acknowledged source={} rows={}", s.name(), rows);
                }
                done = true;
            } catch (Exception e) {
                log.error("capture-sqlite failed: {}", e.getMessage(), e);
                failed = true;
            }
        }, "capture-sqlite");
        worker.start();
    }

    @Override
    public boolean ready() {
        return worker != null && !failed;
    }

    @Override
    public boolean alive() {
        return !failed;
    }

    @Override
    public boolean finished() {
        return done;
    }

    @Override
    public void close() {
        if (worker != null) {
            worker.interrupt();
        }
    }
}
