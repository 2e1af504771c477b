package io.tributary.ops.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.testkit.TestServers;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** Where a replay starts and ends, on the real broker: the beginning, a start time for a fresh group, the group's own offsets when it resumes. */
class ReplayOffsetsIT {
    @Test
    void aFreshGroupStartsAtTheTimeGivenAndAResumedOneWhereItStopped() throws Exception {
        String topic = "replay-offsets-" + Long.toHexString(System.nanoTime());
        TestServers.createTopics(topic);
        long t0 = 1_700_000_000_000L;
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, 0, t0 + i * 1000L, new byte[] {1}, new byte[] {(byte) i}));
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", TestServers.kafkaBootstrap()))) {
            ReplayOffsets all = ReplayOffsets.prepare(admin, "g-all-" + topic, List.of(topic), null);
            assertEquals(0, all.start().get(tp));
            assertEquals(100, all.end().get(tp));
            assertFalse(all.resumed());

            String group = "g-time-" + topic;
            ReplayOffsets fromTime = ReplayOffsets.prepare(admin, group, List.of(topic), Instant.ofEpochMilli(t0 + 60_500));
            assertEquals(61, fromTime.start().get(tp), "the first record at or after the time");
            assertEquals(39, fromTime.records());
            assertEquals(61, admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(tp).offset(),
                    "committed for the sink's consumer to start there");

            ReplayOffsets again = ReplayOffsets.prepare(admin, group, List.of(topic), Instant.ofEpochMilli(t0));
            assertTrue(again.resumed(), "a group with offsets resumes, whatever the time given");
            assertEquals(61, again.start().get(tp));

            ReplayOffsets late = ReplayOffsets.prepare(admin, "g-late-" + topic, List.of(topic), Instant.ofEpochMilli(t0 + 1_000_000));
            assertEquals(100, late.start().get(tp), "nothing after the time: nothing to replay");

            IllegalStateException missing = assertThrows(IllegalStateException.class,
                    () -> ReplayOffsets.prepare(admin, "g-missing", List.of("no-such-topic-" + topic), null));
            assertTrue(missing.getMessage().contains("has the transform run"), missing.getMessage());
        }
        assertEquals(ReplayOffsets.group("svc", "jdbc:postgresql://h/db"), ReplayOffsets.group("svc", "jdbc:postgresql://h/db"));
        assertFalse(ReplayOffsets.group("svc", "jdbc:postgresql://h/db").equals(ReplayOffsets.group("svc", "jdbc:postgresql://h/db2")));
    }
}
