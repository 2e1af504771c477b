package io.tributary.common.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tributary.common.config.PipelineConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaSetupTest {
    private static final PipelineConfig.Kafka PLAIN = new PipelineConfig.Kafka("k:9092", 1, 1, Map.of());
    private static final PipelineConfig.Kafka RAISED = new PipelineConfig.Kafka("k:9092", 1, 1, Map.of("max.request.size", "16777216"));

    @Test
    void topicsTakeTheRecordsTheProducerMaySend() {
        assertNull(KafkaSetup.sized(PLAIN, KafkaSetup.CHANGE_TOPIC).get("max.message.bytes"), "Kafka's defaults agree");
        assertEquals(String.valueOf(16777216 + 16777216 / 255 + 4096), KafkaSetup.sized(RAISED, KafkaSetup.CHANGE_TOPIC).get("max.message.bytes"),
                "the largest record, compressed (lz4 makes incompressible data up to 1/255 larger)");
        assertEquals("compact", KafkaSetup.sized(RAISED, KafkaSetup.CHANGE_TOPIC).get("cleanup.policy"));
        assertEquals(KafkaSetup.sized(RAISED, KafkaSetup.CHANGE_TOPIC).get("max.message.bytes"),
                KafkaSetup.sized(RAISED, KafkaSetup.DEAD_LETTER_TOPIC).get("max.message.bytes"), "dead letters keep the record too");
    }

    @Test
    void consumersFetchTheLargestRecordInOneFetch() {
        assertNull(KafkaSetup.consumer(PLAIN).get("max.partition.fetch.bytes"));
        assertEquals(16777216, KafkaSetup.consumer(RAISED).get("max.partition.fetch.bytes"));
        assertNull(KafkaSetup.consumer(RAISED).get("fetch.max.bytes"), "Kafka's 50 MiB default takes it");
        PipelineConfig.Kafka own = new PipelineConfig.Kafka("k:9092", 1, 1, Map.of("max.request.size", "16777216", "max.partition.fetch.bytes", "33554432"));
        assertEquals("33554432", KafkaSetup.consumer(own).get("max.partition.fetch.bytes"), "kafka.properties wins");
    }

    @Test
    void batchingIsADefaultThatKafkaPropertiesChangeButTheGuaranteesAreNot() {
        assertEquals(KafkaSetup.PRODUCER_BATCHING.get("compression.type"), KafkaSetup.producer(PLAIN).get("compression.type"));
        assertEquals(5, KafkaSetup.producer(PLAIN).get("linger.ms"));
        PipelineConfig.Kafka own = new PipelineConfig.Kafka("k:9092", 1, 1,
                Map.of("compression.type", "none", "linger.ms", "20", "acks", "1", "enable.idempotence", "false"));
        assertEquals("none", KafkaSetup.producer(own).get("compression.type"));
        assertEquals("20", KafkaSetup.producer(own).get("linger.ms"));
        assertEquals("all", KafkaSetup.producer(own).get("acks"), "every in-sync replica, whatever kafka.properties says");
        assertEquals(true, KafkaSetup.producer(own).get("enable.idempotence"));
    }
}
