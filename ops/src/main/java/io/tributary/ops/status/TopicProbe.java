package io.tributary.ops.status;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.kafka.ChangeEventReader;
import io.tributary.schemas.registry.AvroSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What Kafka knows about a pipeline's progress, read without joining any group: topic ends, a consumer
 * group's committed offsets, and the timestamps of the records at given offsets. A stage's lag in seconds
 * is the age of the oldest record it has not consumed: it grows while the stage is stuck, whatever the
 * stage itself reports.
 */
public final class TopicProbe implements AutoCloseable {
    private final Admin admin;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ChangeEventReader reader;

    /** A probe that reads no change event (offsets, committed offsets and backlogs only). */
    public TopicProbe(PipelineConfig config) {
        this(config, null);
    }

    TopicProbe(PipelineConfig config, ChangeEventReader reader) {
        Map<String, Object> props = KafkaSetup.base(config.kafka());
        this.admin = Admin.create(props);
        Map<String, Object> c = new HashMap<>(props);
        c.put("isolation.level", "read_committed");
        c.put("enable.auto.commit", false);
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.reader = reader;
    }

    /** A topic's partitions (empty when the topic does not exist yet). */
    public List<TopicPartition> partitions(String topic) {
        return consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    public Map<TopicPartition, Long> ends(Collection<TopicPartition> tps) {
        return consumer.endOffsets(tps, Duration.ofSeconds(10));
    }

    Map<TopicPartition, Long> beginnings(Collection<TopicPartition> tps) {
        return consumer.beginningOffsets(tps, Duration.ofSeconds(10));
    }

    /** The group's committed offsets of {@code tps}; a partition it never committed is missing. */
    Map<TopicPartition, Long> committed(String group, Collection<TopicPartition> tps) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(Map.of(group,
                new ListConsumerGroupOffsetsSpec().topicPartitions(List.copyOf(tps)))).partitionsToOffsetAndMetadata(group).get();
        Map<TopicPartition, Long> out = new HashMap<>();
        m.forEach((tp, om) -> {
            if (om != null) {
                out.put(tp, om.offset());
            }
        });
        return out;
    }

    /**
     * Whether {@code group} has consumed {@code ends} (offsets noted earlier): its committed offset of each
     * partition is at or past the noted end, or nothing but transaction markers lies between them (an
     * exactly-once consumer's committed offset stays below the commit marker that ends a partition).
     */
    public boolean consumed(String group, Map<TopicPartition, Long> ends) throws ExecutionException, InterruptedException {
        Map<TopicPartition, Long> committed = committed(group, ends.keySet());
        Map<TopicPartition, Long> begins = beginnings(ends.keySet());
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            long from = committed.getOrDefault(e.getKey(), begins.get(e.getKey()));
            if (from < e.getValue() && timestampAt(e.getKey(), from, e.getValue()).isPresent()) {
                return false;
            }
        }
        return true;
    }

    /** Records of a topic a consuming stage has not committed, and the age in seconds of the oldest of them. */
    public record Backlog(long records, double ageSeconds) {
    }

    /** The backlog of {@code group} on {@code topic} at {@code now} (ms): empty when only transaction markers are left. */
    public Backlog backlog(String topic, String group, long now) throws ExecutionException, InterruptedException {
        List<TopicPartition> tps = partitions(topic);
        Map<TopicPartition, Long> ends = ends(tps);
        Map<TopicPartition, Long> begins = beginnings(tps);
        Map<TopicPartition, Long> committed = committed(group, tps);
        long records = 0;
        double age = 0;
        for (TopicPartition tp : tps) {
            long from = committed.getOrDefault(tp, begins.get(tp));
            long end = ends.get(tp);
            Optional<Long> ts = from < end ? timestampAt(tp, from, end) : Optional.empty();
            if (ts.isPresent()) {
                records += end - from;
                age = Math.max(age, (now - ts.get()) / 1000.0);
            }
        }
        return new Backlog(records, age);
    }

    /** The timestamp of the first record at or after {@code offset} (before {@code end}), if any is readable. */
    Optional<Long> timestampAt(TopicPartition tp, long offset, long end) {
        List<ConsumerRecord<byte[], byte[]>> recs = read(tp, offset, end, 1);
        return recs.isEmpty() ? Optional.empty() : Optional.of(recs.get(0).timestamp());
    }

    /** The newest change event of a topic partition (tombstones and transaction markers skipped), if any. */
    Optional<Timed> lastEvent(TopicPartition tp, long begin, long end) {
        List<ConsumerRecord<byte[], byte[]>> recs = read(tp, Math.max(begin, end - 20), end, Integer.MAX_VALUE);
        for (int i = recs.size() - 1; i >= 0; i--) {
            ConsumerRecord<byte[], byte[]> r = recs.get(i);
            if (!ChangeEventReader.isTombstone(r.value())) {
                return Optional.of(new Timed(reader.read(r.topic(), r.key(), r.value()), r.timestamp()));
            }
        }
        return Optional.empty();
    }

    /** The newest generation per table of a generation-marker topic (empty when there is none). */
    Map<String, Long> generations(String topic, AvroSerde values) {
        Map<String, Long> out = new HashMap<>();
        for (TopicPartition tp : partitions(topic)) {
            long end = ends(List.of(tp)).get(tp);
            for (ConsumerRecord<byte[], byte[]> r : read(tp, beginnings(List.of(tp)).get(tp), end, Integer.MAX_VALUE)) {
                if (r.value() != null) {
                    GenerationMarker m = GenerationMarker.of(values.deserialize(topic, r.value()));
                    out.merge(m.table(), m.generation(), Math::max);
                }
            }
        }
        return out;
    }

    /** A change event and when it was written to its topic. */
    record Timed(ChangeEvent event, long writtenMs) {
    }

    private List<ConsumerRecord<byte[], byte[]>> read(TopicPartition tp, long from, long end, int max) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        if (from >= end) {
            return out;
        }
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (out.size() < max && consumer.position(tp) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < end && out.size() < max) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        consumer.close();
        admin.close();
    }
}
