package io.tributary.capture.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.kafka.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The generation each table of one PostgreSQL source is in, kept on the compacted topic
 * {@link Topics#snapshots} (key {@code schema.table}; value JSON {@code {"table", "generation", "complete",
 * "through", "request"}}).
 *
 * <p>Contract: {@link #begin} gives a table a new generation, higher than any it had (the time in ms, or one
 * more than the last when the clock is behind it), and returns only once Kafka has it, so it is written
 * before the snapshot's first row and a restarted capture resumes with it. Every event of the table is
 * positioned in its current generation ({@link PostgresPositions}). One table's new generation leaves the
 * others alone. {@link #progress} records the snapshot's newest row (the marker's {@code through}) and
 * {@link #complete} that the marker is written.
 *
 * <p>Not guaranteed: a table never snapshotted since this bookkeeping existed is in generation 0 (the
 * positions Tributary gave before generations); the capture gives it a generation by snapshotting it.
 *
 * <p>Thread-safe: the engine thread and the request thread both use it.
 */
final class TableGenerations implements AutoCloseable {
    /** What is known of one table: its generation, whether its snapshot completed, its newest snapshot row, the request that began it. */
    record State(long generation, boolean complete, Position through, String request) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    private TableGenerations(String topic, KafkaProducer<byte[], byte[]> producer, Map<String, State> loaded) {
        this.topic = topic;
        this.producer = producer;
        states.putAll(loaded);
    }

    /** Reads the source's topic to its end (the topic must exist). */
    static TableGenerations load(PipelineConfig.Kafka kafka, String source) {
        String topic = Topics.snapshots(source);
        Map<String, State> loaded = new ConcurrentHashMap<>();
        Map<String, Object> props = KafkaSetup.base(kafka);
        props.put("isolation.level", "read_committed");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : c.partitionsFor(topic, Duration.ofSeconds(30))) {
                parts.add(new TopicPartition(topic, p.partition()));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            while (parts.stream().anyMatch(tp -> c.position(tp, Duration.ofSeconds(30)) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    String table = new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) {
                        loaded.remove(table);
                    } else {
                        loaded.put(table, parse(r.value()));
                    }
                }
            }
        }
        return new TableGenerations(topic, new KafkaProducer<>(KafkaSetup.producer(kafka), new ByteArraySerializer(), new ByteArraySerializer()), loaded);
    }

    /** The table's current generation; 0 when it has none yet. */
    long generation(TableRef table) {
        State s = states.get(table.qualifiedName());
        return s == null ? 0 : s.generation;
    }

    Optional<State> state(TableRef table) {
        return Optional.ofNullable(states.get(table.qualifiedName()));
    }

    /** The highest snapshot row number recorded for any table (the last element of its newest row's position). */
    long lastSnapshotOrdinal() {
        return states.values().stream().filter(st -> st.through != null).mapToLong(st -> st.through.parts()[3]).max().orElse(0);
    }

    /** A new generation for {@code table}, stored before this returns; {@code request} names what began it. */
    synchronized long begin(TableRef table, String request) {
        long generation = Math.max(System.currentTimeMillis(), generation(table) + 1);
        store(table, new State(generation, false, null, request));
        return generation;
    }

    /** The snapshot's newest row so far (a restarted capture still knows where it ended). */
    synchronized void progress(TableRef table, Position lastRow) {
        State s = states.get(table.qualifiedName());
        if (s != null && !s.complete && lastRow.parts()[0] == s.generation && !lastRow.equals(s.through)) {
            store(table, new State(s.generation, false, lastRow, s.request));
        }
    }

    /** The snapshot of the table's current generation is complete (its marker is written). */
    synchronized void complete(TableRef table) {
        State s = states.get(table.qualifiedName());
        if (s != null && !s.complete) {
            store(table, new State(s.generation, true, s.through, s.request));
        }
    }

    private void store(TableRef table, State s) {
        ObjectNode n = JSON.createObjectNode().put("table", table.qualifiedName()).put("generation", s.generation)
                .put("complete", s.complete).put("request", s.request);
        if (s.through != null) {
            n.putArray("through").addAll(s.through.toList().stream().map(JSON.getNodeFactory()::numberNode).toList());
        }
        try {
            producer.send(new ProducerRecord<>(topic, table.qualifiedName().getBytes(StandardCharsets.UTF_8),
                    n.toString().getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot store the generation of " + table + " on " + topic + " (" + e + "); "
                    + "check that Kafka is reachable; the capture stops rather than snapshot without it", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while storing the generation of " + table, e);
        }
        states.put(table.qualifiedName(), s);
    }

    static State parse(byte[] json) {
        try {
            JsonNode n = JSON.readTree(json);
            JsonNode through = n.path("through");
            Position p = null;
            if (through.isArray()) {
                List<Long> parts = new ArrayList<>();
                through.forEach(x -> parts.add(x.asLong()));
                p = Position.fromList(parts);
            }
            return new State(n.path("generation").asLong(), n.path("complete").asBoolean(), p, n.path("request").asText(null));
        } catch (IOException e) {
            throw new IllegalStateException("a record of the snapshots topic is not JSON: " + new String(json, StandardCharsets.UTF_8), e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
