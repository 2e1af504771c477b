package io.tributary.transform;

import io.tributary.common.config.PipelineConfig;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Lets topology tests use the production Streams settings (handlers, DLQ) without a broker. */
public final class TransformAppAccess {
    private TransformAppAccess() {
    }

    public static Properties streamsConfig(PipelineConfig.Service service) {
        PipelineConfig config = new PipelineConfig(new PipelineConfig.Kafka("unused:9092", 1, 1, Map.of()),
                new PipelineConfig.Registry("http://unused", "BACKWARD"), List.of(), List.of(service), Map.of());
        Properties p = TransformApp.streamsConfig(config, service);
        p.remove("state.dir");
        return p;
    }

    /** The production settings with the transform's dead-letter counter registered in {@code metrics}. */
    public static Properties streamsConfig(PipelineConfig.Service service, io.micrometer.core.instrument.MeterRegistry metrics) {
        Properties p = streamsConfig(service);
        p.put(DeadLetterCount.CONFIG, DeadLetterCount.counter(metrics, service.name()));
        return p;
    }
}
