package io.tributary.sink.postgres;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one service's topics to its target database. Per polled batch: decode, collapse to the newest
 * event per key, write with position-guarded set-based SQL in one transaction, commit the database, and
 * only then commit the Kafka offsets. A crash between the two replays the batch, which the guard makes
 * harmless. A database failure keeps the batch in memory and retries it with capped backoff (the consumer
 * is paused meanwhile, so nothing is skipped); a record that cannot be decoded goes to
 * {@code tributary.dlq.sink.<service>} with the reason in the header {@code tributary.error}.
 */
public final class ServiceSink implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServiceSink.class);
    private final PipelineConfig config;
    private final PipelineConfig.Service service;
    private final AvroSerde keys;
    private final AvroSerde values;
    private final MeterRegistry metrics;
    private final Map<Schema, TableWriter> writers = new HashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> lags = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private volatile boolean assigned;
    private volatile Throwable fatal;
    private Connection db;

    public ServiceSink(PipelineConfig config, PipelineConfig.Service service, SchemaRegistryClient registry, MeterRegistry metrics) {
        this.config = config;
        this.service = service;
        this.keys = new AvroSerde(registry, true);
        this.values = new AvroSerde(registry, false);
        this.metrics = metrics;
    }

    public static String deadLetterTopic(PipelineConfig.Service service) {
        return "tributary.dlq.sink." + service.name();
    }

    public List<String> topics() {
        return service.tables().stream().map(t -> service.name() + "." + t.table()).toList();
    }

    public boolean ready() {
        return assigned && fatal == null;
    }

    public boolean alive() {
        return fatal == null;
    }

    @Override
    public void run() {
        Map<String, Object> props = KafkaSetup.base(config.kafka());
        props.put("group.id", service.group());
        props.put("enable.auto.commit", false);
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        props.put("max.poll.records", 5000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> dlq = new KafkaProducer<>(KafkaSetup.producer(config.kafka()), new ByteArraySerializer(), new ByteArraySerializer())) {
            consumer.subscribe(topics());
            while (running) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                assigned = !consumer.assignment().isEmpty();
                if (batch.isEmpty()) {
                    continue;
                }
                List<Decoded> decoded = decode(batch, dlq);
                applyWithRetry(decoded, consumer);
                if (!running) {
                    break;
                }
                dlq.flush();
                consumer.commitSync(nextOffsets(batch));
            }
        } catch (Throwable t) {
            fatal = t;
            metrics.counter("tributary.errors", "stage", "sink", "service", service.name(), "kind", "fatal").increment();
            log.error("sink service={} stopped: {}", service.name(), t.toString(), t);
        } finally {
            closeDb();
        }
    }

    private record Decoded(GenericRecord key, GenericRecord value, TableSchema table, Position position) {
    }

    private List<Decoded> decode(ConsumerRecords<byte[], byte[]> batch, KafkaProducer<byte[], byte[]> dlq) {
        List<Decoded> out = new ArrayList<>(batch.count());
        for (ConsumerRecord<byte[], byte[]> r : batch) {
            if (r.value() == null) {
                continue; // tombstone: the delete event before it already did the work
            }
            try {
                GenericRecord key = keys.deserialize(r.topic(), r.key());
                GenericRecord value = values.deserialize(r.topic(), r.value());
                TableSchema table = Envelope.tableSchema(value.getSchema(), key.getSchema());
                out.add(new Decoded(key, value, table, Envelope.position(value)));
            } catch (RuntimeException e) {
                String reason = "cannot decode record " + r.topic() + "/" + r.partition() + "@" + r.offset() + ": " + e.getMessage();
                log.warn("dead-lettered service={} reason={}", service.name(), reason);
                ProducerRecord<byte[], byte[]> dead = new ProducerRecord<>(deadLetterTopic(service), r.key(), r.value());
                dead.headers().add("tributary.error", reason.getBytes(StandardCharsets.UTF_8));
                dead.headers().add("tributary.topic", r.topic().getBytes(StandardCharsets.UTF_8));
                dlq.send(dead);
                count("dead_letter", r.topic());
                metrics.counter("tributary.errors", "stage", "sink", "service", service.name(), "kind", "dead_letter").increment();
            }
        }
        return out;
    }

    private void applyWithRetry(List<Decoded> batch, KafkaConsumer<byte[], byte[]> consumer) throws InterruptedException {
        long backoff = 100;
        int attempt = 0;
        while (running) {
            try {
                apply(batch);
                if (attempt > 0) {
                    log.info("recovered service={} after_attempts={}", service.name(), attempt);
                    consumer.resume(consumer.assignment());
                }
                return;
            } catch (SQLException e) {
                attempt++;
                metrics.counter("tributary.errors", "stage", "sink", "service", service.name(), "kind", "retriable").increment();
                log.warn("target write failed service={} attempt={} retry_in_ms={} error={}", service.name(), attempt, backoff, Preflight.rootMessage(e));
                closeDb();
                consumer.pause(consumer.assignment());
                long until = System.currentTimeMillis() + backoff;
                while (running && System.currentTimeMillis() < until) {
                    consumer.poll(Duration.ofMillis(Math.min(100, backoff))); // paused: keeps group membership, returns nothing
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    private void apply(List<Decoded> batch) throws SQLException {
        if (db == null) {
            db = Preflight.connect(service.target().url() + (service.target().url().contains("?") ? "&" : "?") + "reWriteBatchedInserts=true",
                    service.target().user(), service.target().password());
            db.setAutoCommit(false);
        }
        // newest event per key and table version; later records of a partition win over earlier ones
        Map<Schema, LinkedHashMap<GenericRecord, Decoded>> latest = new LinkedHashMap<>();
        for (Decoded d : batch) {
            latest.computeIfAbsent(d.value.getSchema(), s -> new LinkedHashMap<>())
                    .merge(d.key, d, (a, b) -> b.position.compareTo(a.position) >= 0 ? b : a);
        }
        for (var entry : latest.entrySet()) {
            TableWriter writer = writers.get(entry.getKey());
            if (writer == null) {
                TableSchema t = entry.getValue().values().iterator().next().table;
                writer = new TableWriter(TargetTables.ensure(db, t), t);
                writers.put(entry.getKey(), writer);
            }
            List<Map<String, Object>> upserts = new ArrayList<>();
            List<Position> upsertPos = new ArrayList<>();
            List<Map<String, Object>> deletes = new ArrayList<>();
            List<Position> deletePos = new ArrayList<>();
            for (Decoded d : entry.getValue().values()) {
                if (Envelope.op(d.value) == Op.DELETE) {
                    deletes.add(Envelope.image(d.value, "before"));
                    deletePos.add(d.position);
                } else {
                    upserts.add(Envelope.image(d.value, "after"));
                    upsertPos.add(d.position);
                }
            }
            writer.upsert(db, upserts, upsertPos);
            writer.delete(db, deletes, deletePos);
        }
        db.commit();
        long now = System.currentTimeMillis();
        for (Decoded d : batch) {
            String table = d.table.table().topic();
            count("applied", table);
            if (!"r".equals(d.value.get("op").toString())) {
                lags.computeIfAbsent(table, k -> Timer.builder("tributary.pipeline.lag.seconds").tag("stage", "sink")
                        .tag("source", d.table.table().source()).tag("table", d.table.table().table())
                        .publishPercentiles(0.5, 0.99).register(metrics))
                        .record(Duration.ofMillis(Math.max(0, now - Envelope.commitTsMs(d.value))));
            }
        }
    }

    private void count(String outcome, String table) {
        counters.computeIfAbsent(outcome + "|" + table, k -> Counter.builder("tributary.sink.rows")
                .tag("service", service.name()).tag("table", table).tag("outcome", outcome).register(metrics)).increment();
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> batch) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : batch.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> rs = batch.records(tp);
            offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
        }
        return offsets;
    }

    private void closeDb() {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException e) {
                log.debug("closing target connection failed service={} error={}", service.name(), e.toString());
            }
            db = null;
            writers.clear();
        }
    }

    @Override
    public void close() {
        running = false;
    }
}
