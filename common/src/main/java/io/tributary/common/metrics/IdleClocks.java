package io.tributary.common.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Seconds since one stage last handled an event of a table: the gauge {@code tributary.pipeline.idle{stage,
 * source,table}} (Prometheus: {@code tributary_pipeline_idle_seconds}).
 *
 * <p>Why it exists: the lag timers' percentiles decay to 0 when nothing arrives, so a stuck stage and a quiet
 * table look alike there. This gauge grows in both cases; a stuck stage is one whose idle time grows while
 * the stage before it keeps handling events of the same table (the monitoring pack's alert says exactly
 * that). Not a guarantee: it counts from the first {@link #clock} call, so a table this stage has not seen
 * since it started reads as idle since then.
 */
public final class IdleClocks {
    public static final String METRIC = "tributary.pipeline.idle";

    /** The time of the last event of one table; {@link #mark()} is one volatile write, cheap per event. */
    public final class Clock {
        private volatile long lastNanos = nanos.getAsLong();

        private Clock() {
        }

        public void mark() {
            lastNanos = nanos.getAsLong();
        }

        double idleSeconds() {
            return (nanos.getAsLong() - lastNanos) / 1e9;
        }
    }

    private final MeterRegistry registry;
    private final String stage;
    private final LongSupplier nanos;
    private final Map<String, Clock> clocks = new ConcurrentHashMap<>();

    public IdleClocks(MeterRegistry registry, String stage) {
        this(registry, stage, System::nanoTime);
    }

    IdleClocks(MeterRegistry registry, String stage, LongSupplier nanos) {
        this.registry = registry;
        this.stage = stage;
        this.nanos = nanos;
    }

    /** The clock of {@code source}/{@code table} (the table's name, as the lag timers tag it), registered on first use. */
    public Clock clock(String source, String table) {
        return clocks.computeIfAbsent(source + "\u0000" + table, k -> {
            Clock c = new Clock();
            Gauge.builder(METRIC, c, Clock::idleSeconds)
                    .description("seconds since this stage last handled an event of the table; grows while stuck or quiet")
                    .baseUnit("seconds").tag("stage", stage).tag("source", source).tag("table", table)
                    .strongReference(true).register(registry);
            return c;
        });
    }
}
