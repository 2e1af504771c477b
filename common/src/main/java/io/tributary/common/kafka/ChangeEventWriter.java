package io.tributary.common.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.metrics.IdleClocks;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.EnvelopeEncoder;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes change events to their per-table topics ({@code <source>.<schema>.<table>}) as Avro envelopes,
 * with a tombstone after every delete. {@link #flush()} returns only when every event sent so far is
 * acknowledged by the broker; a capture stores its source position only after that.
 *
 * <p>One thread writes (the capture's): the encoder's buffer and the schema-id cache are not shared.
 *
 * <p>Metrics: {@code tributary.capture.events{source,table,op}} and
 * {@code tributary.pipeline.lag.seconds{stage=capture,source,table}} (source commit to send),
 * {@code tributary.pipeline.idle{stage=capture,source,table}} (seconds since the table's last event, {@link IdleClocks}).
 */
public final class ChangeEventWriter implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final SchemaRegistryClient registry;
    private final AvroSerde keySerde;
    private final AvroSerde valueSerde;
    private final EnvelopeEncoder encoder = new EnvelopeEncoder();
    private final Map<TableSchema, Target> targets = new HashMap<>();
    private TableSchema lastSchema;
    private Target lastTarget;
    private final MeterRegistry metrics;
    private final IdleClocks idle;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private RegistryWait registryWait = RegistryWait.none();

    public ChangeEventWriter(PipelineConfig.Kafka kafka, SchemaRegistryClient registry, MeterRegistry metrics) {
        this(kafka, registry, metrics, null);
    }

    /**
     * With a {@code transactionalId}, events are written in Kafka transactions ({@link #begin()},
     * {@link #commit()}): a capture writes its events and its source position in one transaction, so after a
     * crash consumers that read committed records see both or neither. A second writer with the same id
     * fences the first.
     */
    public ChangeEventWriter(PipelineConfig.Kafka kafka, SchemaRegistryClient registry, MeterRegistry metrics, String transactionalId) {
        java.util.Map<String, Object> props = KafkaSetup.producer(kafka);
        if (transactionalId != null) {
            props.put("transactional.id", transactionalId);
            props.put("transaction.timeout.ms", 900_000);
            // a transaction's first send waits until the previous commit's markers are written; the broker
            // answers CONCURRENT_TRANSACTIONS until then and the default 100 ms back-off made every commit
            // cost 25-50 ms here (5 ms: 7 ms per commit, measured with bench sqlite)
            props.put("retry.backoff.ms", 5);
        }
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.maxRecordBytes = KafkaSetup.maxRecordBytes(kafka);
        this.registry = registry;
        this.keySerde = new AvroSerde(registry, true);
        this.valueSerde = new AvroSerde(registry, false);
        this.metrics = metrics;
        this.idle = new IdleClocks(metrics, "capture");
        if (transactionalId != null) {
            producer.initTransactions();
        }
    }

    /** Waits out a failing schema registry when registering a schema ({@link RegistryWait}) instead of throwing at once. */
    public ChangeEventWriter waitingOutRegistry(RegistryWait wait) {
        this.registryWait = wait;
        return this;
    }

    public void begin() {
        producer.beginTransaction();
    }

    /** Commits the open transaction: every record written since {@link #begin()} becomes visible at once. */
    public void commit() {
        producer.commitTransaction();
    }

    /**
     * Aborts the open transaction: nothing written since {@link #begin()} becomes visible to read_committed
     * consumers (a capture that failed in the middle of a source transaction it was streaming).
     */
    public void abort() {
        producer.abortTransaction();
    }

    /** Writes any record (a position, a marker) in the current transaction. */
    public void send(String topic, GenericRecord key, GenericRecord value) {
        byte[] k = registryWait.call("register the key schema of " + topic, () -> keySerde.serialize(topic, key));
        byte[] v = registryWait.call("register the value schema of " + topic, () -> valueSerde.serialize(topic, value));
        producer.send(new ProducerRecord<>(topic, k, v), this::onAck);
    }

    /** Room for Kafka's record batch and record headers around key and value (61 + at most 21 bytes, rounded up). */
    private static final int RECORD_OVERHEAD = 128;
    private final int maxRecordBytes;

    /**
     * An event whose record would be larger than the producer may send ({@code max.request.size}): nothing of
     * it was sent. The capture decides what to do with it (capture-postgres dead-letters it).
     */
    public static final class TooLarge extends RuntimeException {
        private final String topic;
        private final int bytes;
        private final int limit;

        TooLarge(String topic, int bytes, int limit) {
            super("the change event is " + bytes + " bytes encoded, larger than the " + limit + " bytes Kafka takes "
                    + "(the producer's max.request.size); raise kafka.properties max.request.size and the topics' max.message.bytes "
                    + "to carry it (docs/operations.md, \"Large values\")");
            this.topic = topic;
            this.bytes = bytes;
            this.limit = limit;
        }

        public String topic() {
            return topic;
        }

        public int bytes() {
            return bytes;
        }

        public int limit() {
            return limit;
        }
    }

    /**
     * Sends {@code e} to its per-table topic (and a tombstone after a delete).
     *
     * @throws TooLarge when its record is larger than the producer may send; then nothing was sent
     */
    public void write(ChangeEvent e) {
        Target t = target(e.schema());
        byte[] key = encoder.key(e, t.keyId);
        byte[] value = encoder.value(e, t.valueId);
        if (key.length + value.length + RECORD_OVERHEAD > maxRecordBytes) {
            throw new TooLarge(t.topic, key.length + value.length, maxRecordBytes);
        }
        producer.send(new ProducerRecord<>(t.topic, key, value), this::onAck);
        if (e.op() == Op.DELETE) {
            producer.send(new ProducerRecord<>(t.topic, key, null), this::onAck);
        }
        t.events.get(e.op()).increment();
        t.idle.mark();
        if (!e.isSnapshot()) {
            t.lag.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - e.commitTsMs())));
        }
    }

    /** A table shape's topic, registry ids and meters, made on first use (the schemas are registered then). */
    private Target target(TableSchema schema) {
        if (schema != lastSchema) {
            lastTarget = targets.computeIfAbsent(schema, this::newTarget);
            lastSchema = schema;
        }
        return lastTarget;
    }

    private Target newTarget(TableSchema s) {
        String topic = s.table().topic();
        Map<Op, Counter> events = new EnumMap<>(Op.class);
        for (Op op : Op.values()) {
            events.put(op, Counter.builder("tributary.capture.events").tag("source", s.table().source()).tag("table", s.table().table())
                    .tag("op", op.code()).register(metrics));
        }
        Timer lag = Timer.builder("tributary.pipeline.lag.seconds").tag("stage", "capture").tag("source", s.table().source())
                .tag("table", s.table().table()).publishPercentiles(0.5, 0.99).register(metrics);
        int keyId = registryWait.call("register the key schema of " + topic, () -> registry.register(topic + "-key", Envelope.keySchema(s)));
        int valueId = registryWait.call("register the value schema of " + topic, () -> registry.register(topic + "-value", Envelope.valueSchema(s)));
        return new Target(topic, keyId, valueId, events, lag, idle.clock(s.table().source(), s.table().table()));
    }

    private record Target(String topic, int keyId, int valueId, Map<Op, Counter> events, Timer lag, IdleClocks.Clock idle) {
    }

    /** Blocks until every event written so far is acknowledged; throws if any send failed. */
    public void flush() {
        producer.flush();
        Exception ex = failure.get();
        if (ex != null) {
            throw new IllegalStateException("Kafka did not acknowledge change events: " + ex.getMessage(), ex);
        }
    }

    private void onAck(RecordMetadata md, Exception ex) {
        if (ex != null) {
            failure.compareAndSet(null, ex);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
