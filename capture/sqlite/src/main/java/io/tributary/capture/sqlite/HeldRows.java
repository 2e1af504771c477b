package io.tributary.capture.sqlite;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.common.kafka.RegistryWait;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.kafka.ChangeEventReader;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a per-table topic holds, read back for a resync ({@link SqliteResync}): per key, the digest of the
 * newest row image (committed records only) and where that record is, for the rows of the table's current
 * generation that exist. The targets are built from these topics, so this is what every target holds (or
 * will hold once it has caught up): the newest event of each key wins, a delete removes the key, and a row
 * whose newest event is of an older generation is gone from the targets (the generation marker removed it).
 *
 * <p>Guarantees: read with {@code read_committed} up to the end offsets seen at the start, which are final,
 * because the capture is the topic's one writer and has not written since its producer aborted the
 * transaction a crash left open. A topic can vouch for the targets only while it holds its whole history:
 * compaction keeps the newest record of every key, but records removed by retention or an operator
 * (log start offset above 0) or a topic deleted and missing are not; {@link #refusal} says so, and the
 * caller takes a full snapshot instead. Does not guarantee: a topic deleted and created again by hand is
 * noticed (it reads as empty: the resync re-sends every row, but deletes none).
 *
 * <p>Decoding a record needs its schema from the registry; a registry that does not answer is waited out
 * ({@link RegistryWait}), as the capture's writes are, instead of stopping the capture in the middle of a resync
 * (a restart would only resync again into the same outage).
 *
 * <p>Memory: one entry per held row (its key and 20 bytes) while one table is compared.
 */
final class HeldRows implements AutoCloseable {
    /** The newest record of a key that the topic holds: the digest of its row image, and where it is. */
    record Held(long digest, int partition, long offset) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ChangeEventReader reader;
    private final RegistryWait registryWait;
    private final RowDigest digest = new RowDigest();

    HeldRows(PipelineConfig.Kafka kafka, SchemaRegistryClient registry, RegistryWait registryWait) {
        Map<String, Object> props = KafkaSetup.base(kafka);
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", false);
        props.put("max.poll.records", 5000);
        props.put("max.partition.fetch.bytes", 8 * 1024 * 1024); // a table's topic is read in large fetches
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.reader = new ChangeEventReader(registry);
        this.registryWait = registryWait;
    }

    /** Why {@code topic} cannot vouch for what the targets hold, or null when it can. */
    String refusal(String topic) {
        List<TopicPartition> parts = partitions(topic);
        if (parts.isEmpty()) {
            return "topic " + topic + " does not exist";
        }
        for (Map.Entry<TopicPartition, Long> e : consumer.beginningOffsets(parts).entrySet()) {
            if (e.getValue() > 0) {
                return "topic " + e.getKey() + " starts at offset " + e.getValue() + ": records before it were removed";
            }
        }
        return null;
    }

    /** Per key, the newest row image {@code topic} holds in {@code generation} or a newer one. */
    Map<List<Object>, Held> read(String topic, long generation) {
        List<TopicPartition> parts = partitions(topic);
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        Map<TopicPartition, Long> end = consumer.endOffsets(parts);
        Map<List<Object>, Held> held = new HashMap<>();
        while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                if (ChangeEventReader.isTombstone(r.value())) {
                    continue; // the delete before it removed the key
                }
                ChangeEvent e = read(topic, r);
                List<Object> key = RowDigest.key(e.keyImage(), e.schema().primaryKey());
                if (e.op() == Op.DELETE || e.position().parts()[0] < generation) {
                    held.remove(key);
                } else {
                    held.put(key, new Held(digest.of(e.after()), r.partition(), r.offset()));
                }
            }
        }
        return held;
    }

    /** The events of {@code topic} at the places of {@code wanted}, read in offset order (the row images to delete). */
    List<ChangeEvent> events(String topic, Collection<Held> wanted) {
        List<Held> sorted = new ArrayList<>(wanted);
        sorted.sort(Comparator.comparingInt(Held::partition).thenComparingLong(Held::offset));
        List<ChangeEvent> out = new ArrayList<>(sorted.size());
        int i = 0;
        while (i < sorted.size()) {
            TopicPartition tp = new TopicPartition(topic, sorted.get(i).partition());
            consumer.assign(List.of(tp));
            consumer.seek(tp, sorted.get(i).offset());
            while (i < sorted.size() && sorted.get(i).partition() == tp.partition()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (i == sorted.size() || r.partition() != sorted.get(i).partition() || r.offset() < sorted.get(i).offset()) {
                        continue;
                    }
                    if (r.offset() > sorted.get(i).offset()) {
                        throw new IllegalStateException("the record at " + tp + " offset " + sorted.get(i).offset()
                                + " is gone (the topic changed during the resync); restart the capture");
                    }
                    out.add(read(topic, r));
                    i++;
                }
                if (i < sorted.size() && sorted.get(i).partition() == tp.partition() && sorted.get(i).offset() - consumer.position(tp) > 10_000) {
                    consumer.seek(tp, sorted.get(i).offset()); // far ahead: skip the records between
                }
            }
        }
        return out;
    }

    /** The change event of {@code r}, its schema fetched from the registry while waiting out an outage. */
    private ChangeEvent read(String topic, ConsumerRecord<byte[], byte[]> r) {
        return registryWait.call("read back what " + topic + " holds", () -> reader.read(topic, r.key(), r.value()));
    }

    private List<TopicPartition> partitions(String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        return infos == null ? List.of() : infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
