package io.tributary.transform;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.tributary.common.app.AppRunner;
import io.tributary.common.app.Deployable;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.metrics.IdleClocks;
import io.tributary.schemas.event.TableRef;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.transform.check.MappingCheck;
import io.tributary.transform.route.ServiceTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/tributary transform --config FILE [--service NAME]}: one Kafka Streams application per owning
 * service ({@link ServiceTopology}), exactly-once, with records that cannot be normalised sent to the
 * dead-letter topic {@code tributary.dlq.transform.<service>} (Kafka Streams' own DLQ: the record plus
 * headers naming the exception) while the partition keeps flowing. A table a service maps to its own shape is
 * checked against its source at start ({@link MappingCheck}).
 */
public final class TransformApp implements Deployable {
    private static final Logger log = LoggerFactory.getLogger(TransformApp.class);
    private final PipelineConfig config;
    private final List<PipelineConfig.Service> services;
    private final MeterRegistry metrics;
    private final List<KafkaStreams> running = new ArrayList<>();
    private final IdleClocks idle;

    TransformApp(PipelineConfig config, List<PipelineConfig.Service> services, MeterRegistry metrics) {
        this.config = config;
        this.services = services;
        this.metrics = metrics;
        this.idle = new IdleClocks(metrics, "transform");
    }

    public static void main(String[] args) {
        System.exit(run(args, new java.util.concurrent.CountDownLatch(1)));
    }

    /** Runs until {@code stop} is counted down (or SIGTERM); returns the exit code. */
    public static int run(String[] args, java.util.concurrent.CountDownLatch stop) {
        return AppRunner.run("transform", args, List.of("service"), (config, options, metrics, preflight) -> {
            List<PipelineConfig.Service> services = preflight.services(config, options);
            // a registry outage is waited out as while running (registry.retry-for), not a crash loop
            preflight.concurrently(List.of(new Preflight.Check("kafka_and_registry", p -> p.kafkaAndWaitedRegistry(config, waits(config))),
                    new Preflight.Check("mappings", p -> new MappingCheck(p).check(config, services))));
            checkStateDirs(config, services, preflight);
            return new TransformApp(config, services, metrics);
        }, stop);
    }

    /** What the transform does while the registry does not answer, for the start-up warning. */
    private static String waits(PipelineConfig config) {
        return "the transform reads no record until it answers, and stops (exit 1) once it has failed for registry.retry-for ("
                + config.registry().retryFor() + ")";
    }

    public static String deadLetterTopic(PipelineConfig.Service service) {
        return io.tributary.schemas.kafka.Topics.deadLetters("transform", service.name());
    }

    /** The transform's Kafka Streams application id for {@code service}: also its consumer group. */
    public static String group(String service) {
        return KafkaSetup.transformApplicationId(service);
    }

    static Properties streamsConfig(PipelineConfig config, PipelineConfig.Service service) {
        Properties p = new Properties();
        // throughput settings first, so that kafka.properties may change them (docs/performance.md measures them):
        // the commit interval bounds how long the transform's output stays invisible to the sink's read_committed
        // consumer; the service topics' batches as the captures write the per-table ones (KafkaSetup.producer), where
        // Kafka Streams' own producer defaults are 16 KiB batches, uncompressed (and linger.ms 100, kept: under
        // exactly-once every commit flushes). Unprefixed, so that the same kafka.properties keys change them.
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put("batch.size", KafkaSetup.PRODUCER_BATCHING.get("batch.size"));
        p.put("compression.type", KafkaSetup.PRODUCER_BATCHING.get("compression.type"));
        p.putAll(KafkaSetup.base(config.kafka()));
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, group(service.name()));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.kafka().replicationFactor());
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0); // the topology is tested without a record cache
        p.put("processing.exception.handler.global.enabled", true);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, CountingProcessingExceptionHandler.class);
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, RegistryAwareDeserializationHandler.class);
        // the largest record the pipeline carries: its internal topics (the full rows' changelog) take it, its consumers fetch it
        KafkaSetup.sized(config.kafka(), Map.of()).forEach((k, v) -> p.put(StreamsConfig.topicPrefix(k), v));
        KafkaSetup.fetchSizes(config.kafka()).forEach((k, v) -> p.put(StreamsConfig.consumerPrefix(k), v));
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, deadLetterTopic(service));
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir(config, service));
        return p;
    }

    /**
     * The instance's own state directory, {@code <state.dir>/transform/<service>[-<port>]}: under the pipeline
     * file's {@code state.dir} (default {@code ./data}), not {@code java.io.tmpdir}, which systemd-tmpfiles or a
     * reboot may empty under a running transform. Kafka Streams locks it, so two instances on one host (each with
     * its own {@code http.transform} port) must not share one. With port 0 (any free port) the name has no port,
     * as a single instance's always had.
     */
    static String stateDir(PipelineConfig config, PipelineConfig.Service service) {
        int port = config.httpPort("transform");
        return config.stateDir().resolve("transform").resolve(service.name() + (port > 0 ? "-" + port : "")).toString();
    }

    /** Each service's state directory exists (made if missing) and is writable; else a problem naming it (exit 2). */
    static void checkStateDirs(PipelineConfig config, List<PipelineConfig.Service> services, Preflight preflight) {
        for (PipelineConfig.Service service : services) {
            java.nio.file.Path dir = java.nio.file.Path.of(stateDir(config, service)).toAbsolutePath();
            String fix = "set state.dir in the pipeline file to a writable directory, or let the transform's user create and write '" + dir + "'";
            try {
                java.nio.file.Files.createDirectories(dir);
            } catch (java.io.IOException | SecurityException e) {
                preflight.problem("state.dir", "cannot create the transform's state directory '" + dir + "' for service " + service.name()
                        + " (" + Preflight.rootMessage(e) + ")", fix);
                continue;
            }
            if (!java.nio.file.Files.isWritable(dir)) {
                preflight.problem("state.dir", "the transform's state directory '" + dir + "' for service " + service.name() + " is not writable", fix);
            }
        }
    }

    @Override
    public void start() {
        SchemaRegistryClient registry = config.registry().client();
        for (PipelineConfig.Service service : services) {
            KafkaSetup.ensureTopics(config.kafka(), List.of(deadLetterTopic(service)), KafkaSetup.DEAD_LETTER_TOPIC);
            List<String> topics = new ArrayList<>();
            service.tables().forEach(t -> {
                topics.add(t.topic());
                topics.add(ServiceTopology.serviceTopic(service, t));
            });
            KafkaSetup.ensureTopics(config.kafka(), topics);
            StreamsBuilder builder = new StreamsBuilder();
            Map<TableRef, TableMeters> meters = new HashMap<>(); // idle clocks count from the start, not the first event
            service.tables().forEach(t -> meters.put(t, new TableMeters(metrics, idle, service.name(), t)));
            ServiceTopology.Observer observer = new ServiceTopology.Observer() {
                @Override
                public void seen(TableRef table, org.apache.avro.generic.GenericRecord envelope) {
                    meters.get(table).seen(envelope);
                }

                @Override
                public void seen(TableRef table, String op, long sourceTsMs) {
                    meters.get(table).seen(op, sourceTsMs);
                }
            };
            ServiceTopology.build(builder, service, new AvroSerde(registry, true), new AvroSerde(registry, false), observer,
                    this::mayLeaveColumnsOut, registry);
            Properties props = streamsConfig(config, service);
            props.put(DeadLetterCount.CONFIG, DeadLetterCount.counter(metrics, service.name()));
            KafkaStreams streams = new KafkaStreams(builder.build(), props);
            new KafkaStreamsMetrics(streams, List.of(io.micrometer.core.instrument.Tag.of("service", service.name()))).bindTo(metrics);
            RegistryOutage outage = new RegistryOutage(config.registry().retryFor());
            streams.setUncaughtExceptionHandler(e -> {
                if (RegistryAwareDeserializationHandler.registryFailure(e)) {
                    long backoff = outage.failed(System.currentTimeMillis());
                    if (backoff < 0) {
                        log.error("transform service={} stops: the schema registry has failed for longer than registry.retry-for ({}); nothing "
                                + "past the unread records was committed, they are read again after a restart once the registry answers: {}",
                                service.name(), config.registry().retryFor(), e.toString());
                        return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                    }
                    metrics.counter("tributary.errors", "stage", "transform", "service", service.name(), "kind", "retriable").increment();
                    log.warn("transform service={} schema registry failed; replacing the stream thread in {} ms, which resumes from the "
                            + "last committed offset: {}", service.name(), backoff, e.toString());
                    outage.pause(backoff);
                    return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
                }
                log.error("transform service={} stream thread failed: {}", service.name(), e.toString(), e);
                return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            streams.start();
            running.add(streams);
            log.info("transform started service={} tables={}", service.name(), service.tables().size());
        }
    }

    /** Whether the capture of {@code table} may send an update without some columns: PostgreSQL's unchanged TOAST values. */
    private boolean mayLeaveColumnsOut(TableRef table) {
        return config.sources().stream().filter(s -> s.name().equals(table.source())).noneMatch(PipelineConfig.Source::isSqlite);
    }

    @Override
    public boolean ready() {
        return !running.isEmpty() && running.stream().allMatch(s -> s.state() == KafkaStreams.State.RUNNING);
    }

    @Override
    public boolean alive() {
        return running.stream().noneMatch(s -> s.state() == KafkaStreams.State.ERROR
                || s.state() == KafkaStreams.State.PENDING_ERROR || s.state() == KafkaStreams.State.NOT_RUNNING);
    }

    @Override
    public void close() {
        running.forEach(s -> s.close(Duration.ofSeconds(30)));
    }
}
