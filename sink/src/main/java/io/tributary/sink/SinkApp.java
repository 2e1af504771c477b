package io.tributary.sink;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.common.app.AppRunner;
import io.tributary.common.app.Deployable;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.sink.postgres.ServiceSink;
import io.tributary.sink.timescale.Hypertables;
import java.util.ArrayList;
import java.util.List;

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
            preflight.kafkaAndRegistry(config);
            for (PipelineConfig.Service s : services) {
                preflight.postgres("services[" + s.name() + "].target", s.target().url(), s.target().user(), s.target().password());
                checkTimescale(s, preflight);
            }
            return new SinkApp(config, services, metrics);
        }, stop);
    }

    /** A table declared a hypertable (and not optional) needs a target that can load TimescaleDB. */
    private static void checkTimescale(PipelineConfig.Service s, Preflight preflight) {
        List<String> needing = s.options().entrySet().stream()
                .filter(e -> e.getValue().timescale() != null && !e.getValue().timescale().optional()).map(java.util.Map.Entry::getKey).toList();
        if (needing.isEmpty()) {
            return;
        }
        try (java.sql.Connection c = Preflight.connect(s.target().url(), s.target().user(), s.target().password())) {
            if (!Hypertables.available(c)) {
                preflight.problem("services[" + s.name() + "].options." + needing.get(0) + ".timescale",
                        "the target database cannot load TimescaleDB, needed by " + needing,
                        "install TimescaleDB with shared_preload_libraries = 'timescaledb', or set optional: true");
            }
        } catch (java.sql.SQLException e) {
            // unreachable targets are reported by the connection check above
        }
    }

    @Override
    public void start() {
        SchemaRegistryClient registry = new SchemaRegistryClient(config.registry().url());
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
