package io.tributary.sink;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.common.app.AppRunner;
import io.tributary.common.app.Deployable;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.common.sql.Identifiers;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.sink.postgres.ServiceSink;
import io.tributary.sink.timescale.Hypertables;
import io.tributary.sink.timescale.Refusal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/tributary sink --config FILE [--service NAME]}: applies each service's topics to its target
 * PostgreSQL database ({@link ServiceSink}), one consumer group per service ({@code group:} in the file).
 */
public final class SinkApp implements Deployable {
    private final PipelineConfig config;
    private final List<PipelineConfig.Service> services;
    private final MeterRegistry metrics;
    private final List<ServiceSink> sinks = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    SinkApp(PipelineConfig config, List<PipelineConfig.Service> services, MeterRegistry metrics) {
        this.config = config;
        this.services = services;
        this.metrics = metrics;
    }

    public static void main(String[] args) {
        System.exit(run(args, new java.util.concurrent.CountDownLatch(1)));
    }

    /** Runs until {@code stop} is counted down (or SIGTERM); returns the exit code. */
    public static int run(String[] args, java.util.concurrent.CountDownLatch stop) {
        return AppRunner.run("sink", args, List.of("service"), (config, options, metrics, preflight) -> {
            List<PipelineConfig.Service> services = preflight.services(config, options);
            // a registry outage is waited out as while running (registry.retry-for), not a crash loop
            preflight.concurrently(List.of(new Preflight.Check("kafka_and_registry", p -> p.kafkaAndWaitedRegistry(config,
                    "the sink applies no record until it answers, and stops (exit 1) once it has failed for registry.retry-for ("
                            + config.registry().retryFor() + ")")),
                    new Preflight.Check("targets", p -> services.forEach(s -> checkTarget(s, p)))));
            return new SinkApp(config, services, metrics);
        }, stop);
    }

    /** The service's table names, and its target: it answers, and can hold the hypertables it declares. */
    private static void checkTarget(PipelineConfig.Service s, Preflight preflight) {
        checkTableNames(s, preflight);
        preflight.postgres("services[" + s.name() + "].target", s.target().url(), s.target().user(), s.target().password());
        checkTimescale(s, preflight);
    }

    /**
     * Every target table name must fit PostgreSQL's identifiers: a longer one would be cut to
     * {@value Identifiers#POSTGRES_MAX_BYTES} bytes when the table is created and never found again by its name.
     */
    static void checkTableNames(PipelineConfig.Service s, Preflight preflight) {
        for (int i = 0; i < s.tables().size(); i++) {
            String table = s.targetTable(s.tables().get(i));
            if (!Identifiers.fitsPostgres(table)) {
                preflight.problem("services[" + s.name() + "].tables[" + i + "]", "target table name " + table + " is "
                        + table.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " bytes; PostgreSQL keeps "
                        + Identifiers.POSTGRES_MAX_BYTES + " and would cut it, so the sink could never find the table again",
                        "map it to a shorter name (options.<table>.target-table) of at most " + Identifiers.POSTGRES_MAX_BYTES + " bytes, or leave it out of the service");
            }
        }
    }

    /**
     * A table declared a hypertable (and not optional) needs a target that can load TimescaleDB, and an
     * existing hypertable must not contradict its declaration where TimescaleDB cannot change it (each
     * refusal is a problem at its declaration's key, with the way to resolve it). Changes nothing.
     */
    private static void checkTimescale(PipelineConfig.Service s, Preflight preflight) {
        Map<String, PipelineConfig.Timescale> declared = new java.util.TreeMap<>();
        s.options().forEach((table, o) -> {
            if (o.timescale() != null) {
                declared.put(table, o.timescale());
            }
        });
        if (declared.isEmpty()) {
            return;
        }
        String at = "services[" + s.name() + "].options.";
        java.sql.Connection connection;
        try {
            connection = Preflight.connect(s.target().url(), s.target().user(), s.target().password());
        } catch (java.sql.SQLException e) {
            return; // an unreachable target is a problem of the connection check before this one
        }
        try (java.sql.Connection c = connection) {
            List<String> needing = declared.entrySet().stream().filter(e -> !e.getValue().optional()).map(Map.Entry::getKey).toList();
            if (!Hypertables.available(c)) {
                if (!needing.isEmpty()) {
                    preflight.problem(at + needing.get(0) + ".timescale", "the target database cannot load TimescaleDB, needed by " + needing,
                            "install TimescaleDB with shared_preload_libraries = 'timescaledb', or set optional: true");
                }
                return;
            }
            c.setAutoCommit(false);
            for (Map.Entry<String, PipelineConfig.Timescale> e : declared.entrySet()) {
                for (Refusal r : Hypertables.refusals(c, e.getKey(), e.getValue())) {
                    preflight.problem(at + e.getKey() + ".timescale." + r.key(), r.message(), r.hint());
                }
            }
            c.rollback();
        } catch (java.sql.SQLException e) {
            preflight.problem(at + declared.keySet().iterator().next() + ".timescale", "cannot compare the TimescaleDB declarations with the target ("
                    + Preflight.rootMessage(e) + ")", "check that the target answers and that the user may read its catalog");
        }
    }

    @Override
    public void start() {
        SchemaRegistryClient registry = config.registry().client();
        for (PipelineConfig.Service s : services) {
            ServiceSink sink = new ServiceSink(config, s, registry, metrics);
            KafkaSetup.ensureTopics(config.kafka(), sink.topics());
            KafkaSetup.ensureTopics(config.kafka(), sink.generationTopics());
            KafkaSetup.ensureTopics(config.kafka(), List.of(ServiceSink.deadLetterTopic(s)), KafkaSetup.DEAD_LETTER_TOPIC);
            Thread t = new Thread(sink, "sink-" + s.name());
            sinks.add(sink);
            threads.add(t);
            t.start();
        }
    }

    @Override
    public boolean ready() {
        return !sinks.isEmpty() && sinks.stream().allMatch(ServiceSink::ready);
    }

    @Override
    public boolean alive() {
        return sinks.stream().allMatch(ServiceSink::alive);
    }

    @Override
    public void close() {
        sinks.forEach(ServiceSink::close);
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
