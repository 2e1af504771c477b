package io.tributary.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * The transform's Kafka Streams settings: the throughput ones (commit interval, producer batches) are defaults that
 * {@code kafka.properties} may change; exactly-once is not.
 */
class StreamsSettingsTest {
    private static final PipelineConfig.Service SVC = new PipelineConfig.Service("svc", "g",
            new PipelineConfig.Database("jdbc:postgresql://t/db", "u", Secret.NONE), List.of(), Map.of(), Duration.ofMinutes(10));

    private static Properties streamsConfig(Map<String, String> kafkaProperties) {
        PipelineConfig c = new PipelineConfig(new PipelineConfig.Kafka("k:9092", 1, 1, kafkaProperties), new PipelineConfig.Registry("http://r:8081", null),
                List.of(), List.of(SVC), Map.of("transform", 0), PipelineConfig.ALL_INTERFACES, PipelineConfig.DEFAULT_STATE_DIR);
        return TransformApp.streamsConfig(c, SVC);
    }

    @Test
    void throughputSettingsAreDefaultsThatKafkaPropertiesChange() {
        Properties defaults = streamsConfig(Map.of());
        assertEquals(100, defaults.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals(256 * 1024, defaults.get("batch.size"));
        assertEquals("lz4", defaults.get("compression.type"));
        Properties changed = streamsConfig(Map.of("commit.interval.ms", "500", "compression.type", "none", "batch.size", "65536"));
        assertEquals("500", changed.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals("none", changed.get("compression.type"));
        assertEquals("65536", changed.get("batch.size"));
    }

    @Test
    void kafkaPropertiesCannotTurnOffExactlyOnceNorTurnOnACache() {
        Properties p = streamsConfig(Map.of("processing.guarantee", "at_least_once", "application.id", "other",
                StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "10485760"));
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(TransformApp.group("svc"), p.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals(0, p.get(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG), "the topology is tested without a record cache");
    }
}
