package io.tributary.transform;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;

/**
 * The count of records the transform sends to its dead-letter topic, {@code tributary.errors{stage=transform,
 * service,kind=dead_letter}}: the same series the sink counts its dead letters in, so one alert covers both.
 * Kafka Streams creates the exception handlers itself, so the counter reaches them through the Streams
 * properties under {@link #CONFIG} (Kafka passes the original objects to {@code configure}).
 */
final class DeadLetterCount {
    static final String CONFIG = "tributary.transform.dead.letter.counter";

    private DeadLetterCount() {
    }

    /** Registered at start, at 0, so that the first dead letter is an increase Prometheus sees. */
    static Counter counter(MeterRegistry metrics, String service) {
        return metrics.counter("tributary.errors", "stage", "transform", "service", service, "kind", "dead_letter");
    }

    /** The counter the properties carry, or null (topology tests without metrics). */
    static Counter from(Map<String, ?> configs) {
        return configs.get(CONFIG) instanceof Counter c ? c : null;
    }

    static void increment(Counter counter) {
        if (counter != null) {
            counter.increment();
        }
    }
}
