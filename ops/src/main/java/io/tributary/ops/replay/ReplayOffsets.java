package io.tributary.ops.replay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a replay starts and where it is caught up, per partition of the service's topics: the replay group's
 * committed offsets when it has any (an interrupted replay resumes), else the topics' beginning, or the first
 * offsets at or after {@code --from-time} (committed for the group before the sink starts, so its consumer
 * starts there); and the end offsets read when the replay starts (for records readable by a
 * {@code read_committed} consumer).
 *
 * @param resumed whether the group had committed offsets: a replay interrupted earlier continues
 */
public record ReplayOffsets(String group, Map<TopicPartition, Long> start, Map<TopicPartition, Long> end, boolean resumed) {
    private static final long TIMEOUT_S = 30;

    /** The replay's consumer group: the same for the same service and target, so running it again resumes. */
    static String group(String service, String targetUrl) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((service + "\n" + targetUrl).getBytes(StandardCharsets.UTF_8));
            return "tributary-replay-" + service + "-" + HexFormat.of().formatHex(h, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads (and for a fresh group with a start time, commits) the offsets; a missing topic is an {@link IllegalStateException} naming it. */
    static ReplayOffsets prepare(Admin admin, String group, List<String> topics, Instant fromTime) throws InterruptedException {
        try {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS).values()) {
                d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
            }
            Map<TopicPartition, Long> end = offsets(admin, latest);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
            committed.values().removeIf(java.util.Objects::isNull);
            Map<TopicPartition, Long> start = offsets(admin, spec(end, fromTime != null && committed.isEmpty() ? fromTime : null));
            for (Map.Entry<TopicPartition, Long> e : start.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                if (c != null) {
                    e.setValue(c.offset());
                } else if (e.getValue() < 0) {
                    e.setValue(end.get(e.getKey())); // nothing at or after the start time
                }
            }
            if (committed.isEmpty() && fromTime != null) {
                Map<TopicPartition, OffsetAndMetadata> first = new HashMap<>();
                start.forEach((tp, o) -> first.put(tp, new OffsetAndMetadata(o)));
                admin.alterConsumerGroupOffsets(group, first).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            }
            return new ReplayOffsets(group, start, end, !committed.isEmpty());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                throw new IllegalStateException("a topic of the service does not exist (" + e.getCause().getMessage()
                        + "): has the transform run for it? Topics: " + topics, e.getCause());
            }
            throw new IllegalStateException("Kafka refused a replay offset request: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer a replay offset request within " + TIMEOUT_S + " s", e);
        }
    }

    private static Map<TopicPartition, OffsetSpec> spec(Map<TopicPartition, Long> partitions, Instant from) {
        Map<TopicPartition, OffsetSpec> m = new HashMap<>();
        partitions.keySet().forEach(tp -> m.put(tp, from == null ? OffsetSpec.earliest() : OffsetSpec.forTimestamp(from.toEpochMilli())));
        return m;
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, Map<TopicPartition, OffsetSpec> spec)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(spec, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(TIMEOUT_S, TimeUnit.SECONDS)
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Records between the start and the end offsets (change events, tombstones and transaction markers). */
    public long records() {
        long n = 0;
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            n += Math.max(0, e.getValue() - start.getOrDefault(e.getKey(), e.getValue()));
        }
        return n;
    }
}
