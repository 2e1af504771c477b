package io.tributary.sink.postgres;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.common.metrics.IdleClocks;
import io.micrometer.core.instrument.Timer;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import io.tributary.schemas.registry.RegistryException;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.kafka.ChangeEventReader;
import io.tributary.schemas.kafka.Topics;
import io.tributary.sink.timescale.HistoryWorker;
import java.util.concurrent.Future;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one service's topics to its target database. Per polled batch: decode, apply through
 * {@link BatchApplier} in one database transaction, publish the batch's dead letters, and only then commit
 * the Kafka offsets. A crash anywhere replays the batch, which the position guard makes harmless.
 * Retriable database errors (connection loss, deadlock, serialization failure) keep the batch in memory and
 * retry it with capped backoff while the consumer is paused, so an unreachable target loses nothing; a
 * fatal one (a target table that does not fit) stops the service with the reason. A schema registry that
 * fails (unreachable, 4xx or 5xx, an unknown schema id included: see {@link RegistryException}) never makes
 * a record a dead letter: the batch is retried the same way for {@code registry.retry-for}, and then the
 * service stops with the reason, its offsets not committed past the batch.
 *
 * <p>Database and registry work runs on a worker thread while this thread keeps polling the consumer with
 * every partition paused ({@link PausedPolling}): an apply that takes longer than {@code max.poll.interval.ms}
 * (a slow target, a table lock held for minutes) keeps the group membership, so its offsets still commit. A commit refused because the group rebalanced
 * anyway is logged: the records are read again and the position guard makes that harmless.
 *
 * <p>Dead letters go to {@code tributary.dlq.sink.<service>}: the original key and value bytes, with headers
 * {@code tributary.error} (the reason), {@code tributary.topic}, {@code tributary.partition} and
 * {@code tributary.offset}.
 */
public final class ServiceSink implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServiceSink.class);
    private final PipelineConfig config;
    private final PipelineConfig.Service service;
    private final EventDecoder decoder;
    private final io.tributary.schemas.registry.AvroSerde markerSerde;
    private final MeterRegistry metrics;
    private final Map<String, Timer> lags = new ConcurrentHashMap<>();
    private final IdleClocks idle;
    private final BatchApplier applier;
    private final SnapshotDrain drain;
    /** Null when the service declares no aggregates and no compression. */
    private final HistoryWorker history;
    private volatile boolean running = true;
    private volatile boolean assigned;
    /** Since when the schema registry has failed without a success in between (0: it answers). */
    private volatile long registryFailingSince;
    private volatile Throwable fatal;
    private volatile Watcher watcher;
    /** Runs the database and registry work of {@link #retrying} while the sink's thread keeps polling. */
    private final PausedPolling worker;

    /**
     * Told where the sink's consumer stands, on the sink's thread, each time every record it has polled is
     * applied and its offset committed: after each batch, and after each poll that returned nothing. The
     * positions are the consumer's (the next offset per assigned partition); they move past transaction
     * markers, so they reach a partition's end offset even where the last record's committed offset stays one
     * below it. Replay uses it for its progress and to know when it has caught up.
     */
    public interface Watcher {
        void caughtUpTo(Map<TopicPartition, Long> positions);
    }

    public ServiceSink(PipelineConfig config, PipelineConfig.Service service, SchemaRegistryClient registry, MeterRegistry metrics) {
        this.config = config;
        this.service = service;
        this.decoder = new EventDecoder(registry);
        this.markerSerde = new io.tributary.schemas.registry.AvroSerde(registry, false);
        this.metrics = metrics;
        this.drain = new SnapshotDrain(config, service);
        this.applier = new BatchApplier(service, decoder, drain);
        this.idle = new IdleClocks(metrics, "sink");
        this.history = HistoryWorker.needed(service) ? new HistoryWorker(service, HistoryWorker.Timing.DEFAULT, metrics) : null;
        this.worker = new PausedPolling("sink-apply-" + service.name());
        registerMeters();
    }

    /**
     * The per-table idle clocks and the error and dead-letter counters at 0 from the start: a series that
     * appears only with the first dead letter would hide that first increase from Prometheus' increase()
     * and from the alert rules built on it.
     */
    private void registerMeters() {
        for (io.tributary.schemas.event.TableRef t : service.tables()) {
            idle.clock(t.source(), service.targetTable(t));
            metrics.counter("tributary.sink.rows", "service", service.name(), "table", service.topic(t),
                    "outcome", "dead_letter");
        }
        for (String outcome : List.of("parked", "quarantined")) {
            metrics.counter("tributary.sink.rows", "service", service.name(), "table", "*", "outcome", outcome);
        }
        for (String kind : List.of("retriable", "dead_letter", "fatal")) {
            metrics.counter("tributary.errors", "stage", "sink", "service", service.name(), "kind", kind);
        }
    }

    public static String deadLetterTopic(PipelineConfig.Service service) {
        return Topics.deadLetters("sink", service.name());
    }

    public List<String> topics() {
        return service.tables().stream().map(service::topic).toList();
    }

    /** The generation-marker topics of the sources this service owns tables of (both captures write markers). */
    public List<String> generationTopics() {
        return service.tables().stream().map(io.tributary.schemas.event.TableRef::source).distinct()
                .map(Topics::generations).toList();
    }

    /** Assigned, running, and not waiting for a failing schema registry. */
    public boolean ready() {
        return assigned && fatal == null && registryFailingSince == 0;
    }

    /** Sets the {@link Watcher}, before {@link #run()}. */
    public ServiceSink watch(Watcher w) {
        this.watcher = w;
        return this;
    }

    /** Why the sink stopped with an error, or null while it runs or after a clean stop. */
    public Throwable failure() {
        return fatal;
    }

    public boolean alive() {
        return fatal == null;
    }

    @Override
    public void run() {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> dlq = new KafkaProducer<>(KafkaSetup.producer(config.kafka()), new ByteArraySerializer(), new ByteArraySerializer())) {
            List<String> subscribed = new ArrayList<>(topics());
            subscribed.addAll(generationTopics());
            consumer.subscribe(subscribed);
            retrying(() -> {
                applier.reconcileDeclared(); // declarations changed since the last start apply now, or stop the service
                return Boolean.TRUE;
            }, consumer);
            startHistory();
            long lastParkedRetry = 0;
            while (running) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                assigned = !consumer.assignment().isEmpty();
                if (batch.isEmpty()) { // idle: every 2 s, retry parked events if there are any
                    tellWatcher(consumer);
                    if (System.currentTimeMillis() - lastParkedRetry < 2000) {
                        continue;
                    }
                    lastParkedRetry = System.currentTimeMillis();
                    if (!idle(consumer)) {
                        continue;
                    }
                }
                if (!process(batch, consumer, dlq)) {
                    break; // stopping
                }
                tellWatcher(consumer);
            }
        } catch (Throwable t) {
            fatal = t;
            metrics.counter("tributary.errors", "stage", "sink", "service", service.name(), "kind", "fatal").increment();
            log.error("sink service={} stopped: {}", service.name(), t.getMessage(), t);
        } finally {
            if (history != null) {
                history.close();
            }
            worker.close();
            applier.close();
            drain.close();
        }
    }

    private void tellWatcher(KafkaConsumer<byte[], byte[]> consumer) {
        Watcher w = watcher;
        if (w == null || consumer.assignment().isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            positions.put(tp, consumer.position(tp));
        }
        w.caughtUpTo(positions);
    }

    /** Starts the history work of the service's hypertables on its own thread and connection (see {@link HistoryWorker}). */
    private void startHistory() {
        if (history != null) {
            Thread t = new Thread(history, "sink-history-" + service.name());
            t.setDaemon(true);
            t.start();
        }
    }

    private Map<String, Object> consumerProperties() {
        Map<String, Object> props = KafkaSetup.consumer(config.kafka());
        props.put("group.id", service.group());
        props.put("enable.auto.commit", false);
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        props.putIfAbsent("max.poll.records", 10_000); // a throughput setting: kafka.properties may change it
        return props;
    }

    /** Upkeep while no records come: sequences of the tables written just before; true when parked events or markers wait for a retry. */
    private boolean idle(KafkaConsumer<byte[], byte[]> consumer) throws SQLException {
        retrying(() -> {
            applier.advanceSequences(java.util.Set.of(), 5000);
            return Boolean.TRUE;
        }, consumer);
        return Boolean.TRUE.equals(retrying(applier::hasWaiting, consumer));
    }

    /**
     * One polled batch (empty when only parked events are retried): decode, apply in one transaction, publish
     * the dead letters and wait for Kafka to take them, then commit the offsets. False when stopping.
     */
    private boolean process(ConsumerRecords<byte[], byte[]> batch, KafkaConsumer<byte[], byte[]> consumer, KafkaProducer<byte[], byte[]> dlq)
            throws Exception {
        List<Undecodable> undecodable = new ArrayList<>();
        List<GenerationMarker> markers = new ArrayList<>();
        List<SinkEvent> events = retrying(() -> decode(batch, undecodable, markers), consumer);
        BatchApplier.Outcome outcome = events == null ? null : retrying(() -> applier.apply(events, markers), consumer);
        if (outcome == null) {
            return false;
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (Undecodable u : undecodable) {
            sent.add(deadLetter(dlq, u.record.topic(), u.record.partition(), u.record.offset(), u.record.key(), u.record.value(), u.reason));
        }
        for (BatchApplier.DeadLetter d : outcome.deadLetters()) {
            sent.add(deadLetter(dlq, d.event().topic(), d.event().partition(), d.event().offset(), d.event().rawKey(), d.event().rawValue(), d.reason()));
        }
        record(events, outcome);
        for (Future<RecordMetadata> f : sent) {
            f.get(); // a dead letter Kafka did not take must not have its offset committed
        }
        if (!batch.isEmpty()) {
            commit(consumer, nextOffsets(batch));
        }
        retrying(() -> {
            applier.advanceSequences(outcome.tables(), 5000);
            return Boolean.TRUE;
        }, consumer);
        return true;
    }

    /**
     * Commits the offsets of the partitions still assigned. A group that rebalanced meanwhile may refuse them:
     * the new owner reads those records again, which the position guard makes harmless.
     */
    private void commit(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.keySet().retainAll(consumer.assignment());
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
        } catch (org.apache.kafka.clients.consumer.CommitFailedException | org.apache.kafka.common.errors.RebalanceInProgressException e) {
            log.warn("offsets not committed, the group rebalanced; the records will be read again (harmless) service={} error={}",
                    service.name(), e.toString());
        }
    }

    private interface Attempt<T> extends PausedPolling.Work<T> {
    }

    private record Undecodable(ConsumerRecord<byte[], byte[]> record, String reason) {
    }

    /** Decodes a batch; records that cannot be decoded are collected, but an unreachable registry is thrown (retriable). */
    private List<SinkEvent> decode(ConsumerRecords<byte[], byte[]> batch, List<Undecodable> undecodable,
                                   List<GenerationMarker> markers) {
        undecodable.clear();
        markers.clear();
        List<SinkEvent> out = new ArrayList<>(batch.count());
        for (ConsumerRecord<byte[], byte[]> r : batch) {
            if (ChangeEventReader.isTombstone(r.value())) {
                continue; // the delete event before it already did the work
            }
            try {
                if (Topics.isGenerations(r.topic())) {
                    marker(r).ifPresent(markers::add);
                    continue;
                }
                out.add(decoder.decode(r.topic(), r.partition(), r.offset(), r.key(), r.value(), null));
            } catch (RuntimeException e) {
                if (RegistryException.in(e).isPresent()) {
                    throw e; // the registry's failure, not the record's: retried, never a dead letter
                }
                undecodable.add(new Undecodable(r, "cannot decode: " + e.getMessage()));
            }
        }
        return out;
    }

    /**
     * A generation marker for a table this service owns (markers of the source's other tables are not ours), naming
     * the table as the target does (a mapped table's {@code target-table}).
     */
    private java.util.Optional<GenerationMarker> marker(ConsumerRecord<byte[], byte[]> r) {
        org.apache.avro.generic.GenericRecord v = markerSerde.deserialize(r.topic(), r.value());
        GenerationMarker m = GenerationMarker.of(v);
        return service.tables().stream().filter(t -> t.source().equals(m.source()) && t.table().equals(m.table())).findFirst()
                .map(t -> new GenerationMarker(m.source(), service.targetTable(t), m.generation(), m.through()));
    }

    /**
     * Runs {@code attempt} until it succeeds, retrying retriable database errors and a failing schema registry
     * with capped backoff while the consumer is paused; null when stopping. A registry that has failed for
     * longer than {@code registry.retry-for} stops the service (thrown, nothing committed).
     */
    private <T> T retrying(Attempt<T> attempt, KafkaConsumer<byte[], byte[]> consumer) throws SQLException {
        long backoff = 100;
        int failures = 0;
        while (running) {
            try {
                T result = worker.run(attempt, consumer);
                registryFailingSince = 0;
                if (failures > 0) {
                    consumer.resume(consumer.assignment());
                    log.info("recovered service={} after_failures={}", service.name(), failures);
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                boolean registry = RegistryException.in(e).isPresent();
                boolean retriable = e instanceof SQLException sql ? SqlErrors.classify(sql) == SqlErrors.Kind.RETRIABLE : registry;
                if (!retriable) {
                    throw e;
                }
                failures++;
                metrics.counter("tributary.errors", "stage", "sink", "service", service.name(), "kind", "retriable").increment();
                if (registry) {
                    noteRegistryFailure(e);
                }
                log.warn("{} failed service={} attempt={} retry_in_ms={} error={}", registry ? "schema registry call" : "target write",
                        service.name(), failures, backoff, registry ? e.getMessage() : Preflight.rootMessage(e));
                applier.close();
                consumer.pause(consumer.assignment());
                long until = System.currentTimeMillis() + backoff;
                while (running && System.currentTimeMillis() < until) {
                    // paused: keeps group membership and returns nothing, unless a rebalance handed partitions
                    // back unpaused: then rewind them, so the records are read again after the retry
                    PausedPolling.rewind(consumer, consumer.poll(Duration.ofMillis(Math.min(100, backoff))));
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
        return null;
    }

    /** Notes a registry failure; past {@code registry.retry-for} since the first, throws to stop the service. */
    private void noteRegistryFailure(Exception e) {
        long now = System.currentTimeMillis();
        if (registryFailingSince == 0) {
            registryFailingSince = now;
        }
        Duration failing = Duration.ofMillis(now - registryFailingSince);
        if (failing.compareTo(config.registry().retryFor()) >= 0) {
            throw new IllegalStateException("the schema registry has failed for " + failing.toSeconds() + " s (registry.retry-for "
                    + config.registry().retryFor() + "); the service stops without committing past the records it could not read, "
                    + "which are read again after a restart once the registry answers. Last failure: " + e.getMessage(), e);
        }
    }

    private Future<RecordMetadata> deadLetter(KafkaProducer<byte[], byte[]> dlq, String topic, int partition, long offset, byte[] key, byte[] value,
                                              String reason) {
        log.warn("dead-lettered service={} record={}/{}@{} reason={}", service.name(), topic, partition, offset, reason);
        ProducerRecord<byte[], byte[]> dead = new ProducerRecord<>(deadLetterTopic(service), key, value);
        dead.headers().add("tributary.error", reason.getBytes(StandardCharsets.UTF_8));
        dead.headers().add("tributary.topic", topic.getBytes(StandardCharsets.UTF_8));
        dead.headers().add("tributary.partition", Integer.toString(partition).getBytes(StandardCharsets.UTF_8));
        dead.headers().add("tributary.offset", Long.toString(offset).getBytes(StandardCharsets.UTF_8));
        metrics.counter("tributary.sink.rows", "service", service.name(), "table", topic, "outcome", "dead_letter").increment();
        metrics.counter("tributary.errors", "stage", "sink", "service", service.name(), "kind", "dead_letter").increment();
        return dlq.send(dead);
    }

    private void record(List<SinkEvent> events, BatchApplier.Outcome o) {
        long now = System.currentTimeMillis();
        Map<String, Integer> perTable = new HashMap<>();
        for (SinkEvent e : events) {
            String table = e.schema().table().topic();
            perTable.merge(table, 1, Integer::sum);
            idle.clock(e.schema().table().source(), e.schema().table().table()).mark();
            if (e.op() != io.tributary.schemas.event.Op.READ) {
                lags.computeIfAbsent(table, t -> Timer.builder("tributary.pipeline.lag.seconds").tag("stage", "sink")
                        .tag("source", e.schema().table().source()).tag("table", e.schema().table().table())
                        .publishPercentiles(0.5, 0.99).register(metrics)).record(Duration.ofMillis(Math.max(0, now - e.event().commitTsMs())));
            }
        }
        perTable.forEach((t, n) -> metrics.counter("tributary.sink.rows", "service", service.name(), "table", t, "outcome", "applied").increment(n));
        if (o.parked() > 0) {
            metrics.counter("tributary.sink.rows", "service", service.name(), "table", "*", "outcome", "parked").increment(o.parked());
        }
        if (o.quarantined() > 0) {
            metrics.counter("tributary.sink.rows", "service", service.name(), "table", "*", "outcome", "quarantined").increment(o.quarantined());
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> batch) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : batch.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> rs = batch.records(tp);
            offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
        }
        return offsets;
    }

    @Override
    public void close() {
        running = false;
        if (history != null) {
            history.close();
        }
    }
}
