package io.tributary.transform;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** Two transform instances on one host (each its own HTTP port) must not share Kafka Streams' locked state directory. */
class StateDirTest {
    private static PipelineConfig config(int transformPort) {
        PipelineConfig.Service svc = new PipelineConfig.Service("svc", "g", new PipelineConfig.Database("jdbc:postgresql://t/db", "u", Secret.NONE),
                List.of(), Map.of(), Duration.ofMinutes(10));
        return new PipelineConfig(new PipelineConfig.Kafka("k:9092", 1, 4, Map.of()), new PipelineConfig.Registry("http://r:8081", null),
                List.of(), List.of(svc), Map.of("transform", transformPort));
    }

    @Test
    void instancesWithTheirOwnPortsGetTheirOwnStateDirectories() {
        PipelineConfig a = config(9403);
        PipelineConfig b = config(9413);
        String dirA = TransformApp.streamsConfig(a, a.services().get(0)).getProperty(StreamsConfig.STATE_DIR_CONFIG);
        String dirB = TransformApp.streamsConfig(b, b.services().get(0)).getProperty(StreamsConfig.STATE_DIR_CONFIG);
        assertNotEquals(dirA, dirB, "a second instance on the host would fail: state directory already locked");
        assertTrue(dirA.endsWith("tributary-streams-svc-9403"), dirA);
        PipelineConfig any = config(0);
        assertTrue(TransformApp.streamsConfig(any, any.services().get(0)).getProperty(StreamsConfig.STATE_DIR_CONFIG).endsWith("tributary-streams-svc"));
    }
}
