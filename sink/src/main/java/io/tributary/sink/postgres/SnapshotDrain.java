package io.tributary.sink.postgres;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.kafka.Topics;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells when every row of a table's snapshot has reached the target although its topics have several
 * partitions, where the snapshot's last row read proves nothing about the other partitions. It asks Kafka's
 * own bookkeeping, in three steps kept with the waiting marker in {@value Bookkeeping#FLOOR}, which every
 * instance of the service shares through the target database (any of them may take the next step):
 * <ol>
 * <li><b>table ends</b>: the end offsets ({@code read_committed}) of the table's topic, taken once the marker
 * waits. A capture writes the marker only after Kafka took the snapshot's rows (capture-sqlite in the same
 * transaction), so every one of them lies below these offsets, on whichever partition.
 * <li><b>service ends</b>: once the service's transform group ({@link KafkaSetup#transformApplicationId}) has
 * committed past the table ends on every partition, the end offsets of the service topic. The transform is
 * exactly-once: its input offsets commit in the same transaction as its output, so every row it made of the
 * snapshot lies below these.
 * <li><b>drained</b>: once the service's sink group has committed past the service ends on every partition.
 * Each sink instance commits its offsets only after its database transaction, so every snapshot row is then
 * in the target (or parked, or dead-lettered, as on one partition).
 * </ol>
 * A group is past an end offset when its committed offset is at or after it, or when only transaction
 * markers lie between them (a group commits the offset after its last record; a commit marker may follow it):
 * a {@code read_committed} probe reading from the committed offset finds no record before the end.
 *
 * <p>Not guaranteed: Kafka's answers cost round trips, so a table is checked at most once a second; a Kafka
 * that does not answer leaves the marker waiting (logged), never applies it early. A snapshot row written to
 * the topics by anything but the transform's group (a hand-made service topic) is not waited for.
 */
final class SnapshotDrain implements GenerationFloor.Drain, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SnapshotDrain.class);
    private static final long CHECK_EVERY_MS = 1000;
    private static final Duration PROBE_FOR = Duration.ofSeconds(2);

    private final PipelineConfig config;
    private final PipelineConfig.Service service;
    private final Map<String, Long> lastCheck = new HashMap<>();
    private final Map<String, Integer> partitionCounts = new HashMap<>();
    private Admin admin;
    private KafkaConsumer<byte[], byte[]> probe;

    SnapshotDrain(PipelineConfig config, PipelineConfig.Service service) {
        this.config = config;
        this.service = service;
    }

    @Override
    public boolean lastRowProves(String table) {
        try {
            return partitions(tableTopic(table)) == 1 && partitions(Topics.perService(service.name(), table)) == 1;
        } catch (RuntimeException e) { // not known: the offsets decide, which is never early
            log.warn("partition count unknown, the generation marker waits for the offsets service={} table={} error={}",
                    service.name(), table, e.toString());
            return false;
        }
    }

    @Override
    public boolean drained(Connection c, String table, long generation) throws SQLException {
        long now = System.currentTimeMillis();
        if (now - lastCheck.getOrDefault(table, 0L) < CHECK_EVERY_MS) {
            return false;
        }
        lastCheck.put(table, now);
        long[][] ends = storedEnds(c, table, generation);
        if (ends == null) {
            return false; // replaced or applied meanwhile by another instance
        }
        String serviceTopic = Topics.perService(service.name(), table);
        try {
            if (ends[0] == null) {
                store(c, table, generation, "pending_table_ends", endOffsets(tableTopic(table)));
                return false;
            }
            if (ends[1] == null) {
                if (!past(KafkaSetup.transformApplicationId(service.name()), tableTopic(table), ends[0])) {
                    return false;
                }
                ends[1] = endOffsets(serviceTopic);
                store(c, table, generation, "pending_service_ends", ends[1]);
                log.info("snapshot rows transformed, waiting for the sink group service={} table={} generation={}", service.name(), table, generation);
            }
            return past(service.group(), serviceTopic, ends[1]);
        } catch (KafkaUnanswered e) {
            log.warn("generation marker keeps waiting, Kafka did not answer service={} table={} generation={} error={}",
                    service.name(), table, generation, e.getMessage());
            return false;
        }
    }

    private String tableTopic(String table) {
        return service.tables().stream().filter(t -> service.targetTable(t).equals(table)).map(TableRef::topic).findFirst()
                .orElseThrow(() -> new IllegalStateException("service " + service.name() + " owns no table " + table));
    }

    /** The table ends and service ends stored for the waiting marker {@code generation}, each null until taken; null when it no longer waits. */
    private long[][] storedEnds(Connection c, String table, long generation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pending_table_ends, pending_service_ends FROM " + Bookkeeping.FLOOR
                + " WHERE service = ? AND table_name = ? AND pending_generation = ? FOR UPDATE")) {
            ps.setString(1, service.name());
            ps.setString(2, table);
            ps.setLong(3, generation);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new long[][] {longs(rs.getArray(1)), longs(rs.getArray(2))} : null;
            }
        }
    }

    /** Stores {@code ends} in {@code column} (one of the two ends columns) of the waiting marker {@code generation}. */
    private void store(Connection c, String table, long generation, String column, long[] ends) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + Bookkeeping.FLOOR + " SET " + column + " = ? "
                + "WHERE service = ? AND table_name = ? AND pending_generation = ?")) {
            ps.setArray(1, c.createArrayOf("bigint", java.util.Arrays.stream(ends).boxed().toArray()));
            ps.setString(2, service.name());
            ps.setString(3, table);
            ps.setLong(4, generation);
            ps.executeUpdate();
        }
    }

    private static long[] longs(Array a) throws SQLException {
        return a == null ? null : java.util.Arrays.stream((Long[]) a.getArray()).mapToLong(Long::longValue).toArray();
    }

    /** Whether {@code group} has read every partition of {@code topic} up to {@code ends} (see the class comment). */
    private boolean past(String group, String topic, long[] ends) {
        Map<TopicPartition, OffsetAndMetadata> committed = call(() -> admin().listConsumerGroupOffsets(group,
                new ListConsumerGroupOffsetsOptions().requireStable(true)).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS));
        for (int p = 0; p < ends.length; p++) {
            TopicPartition tp = new TopicPartition(topic, p);
            OffsetAndMetadata at = committed.get(tp);
            long from = at == null ? 0 : at.offset();
            if (from < ends[p] && !onlyMarkersBetween(tp, from, ends[p])) {
                return false;
            }
        }
        return true;
    }

    private boolean onlyMarkersBetween(TopicPartition tp, long from, long end) {
        KafkaConsumer<byte[], byte[]> consumer = probe();
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        long until = System.currentTimeMillis() + PROBE_FOR.toMillis();
        while (System.currentTimeMillis() < until) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < end) {
                    return false;
                }
            }
            if (consumer.position(tp) >= end) {
                return true;
            }
        }
        return false;
    }

    /** The {@code read_committed} end offsets of every partition of {@code topic}, by partition. */
    private long[] endOffsets(String topic) {
        int n = call(() -> describe(topic).partitions().size());
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < n; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        var offsets = call(() -> admin().listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS));
        long[] ends = new long[n];
        for (int p = 0; p < n; p++) {
            ends[p] = offsets.get(new TopicPartition(topic, p)).offset();
        }
        return ends;
    }

    private int partitions(String topic) {
        Integer n = partitionCounts.get(topic);
        if (n == null) {
            n = call(() -> describe(topic).partitions().size());
            partitionCounts.put(topic, n);
        }
        return n;
    }

    private TopicDescription describe(String topic) throws Exception {
        return admin().describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
    }

    private Admin admin() {
        if (admin == null) {
            admin = Admin.create(KafkaSetup.base(config.kafka()));
        }
        return admin;
    }

    private KafkaConsumer<byte[], byte[]> probe() {
        if (probe == null) {
            Map<String, Object> props = KafkaSetup.base(config.kafka());
            props.put("isolation.level", "read_committed");
            props.put("enable.auto.commit", false);
            props.put("auto.offset.reset", "earliest");
            probe = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        return probe;
    }

    private interface KafkaCall<T> {
        T call() throws Exception;
    }

    private static <T> T call(KafkaCall<T> c) {
        try {
            return c.call();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnanswered(e);
        } catch (Exception e) {
            throw new KafkaUnanswered(e);
        }
    }

    /** Kafka did not answer a question of the drain: the marker waits, never applies early. */
    private static final class KafkaUnanswered extends RuntimeException {
        KafkaUnanswered(Exception cause) {
            super(cause.toString(), cause);
        }
    }

    @Override
    public void close() {
        if (probe != null) {
            probe.close();
        }
        if (admin != null) {
            admin.close();
        }
    }
}
