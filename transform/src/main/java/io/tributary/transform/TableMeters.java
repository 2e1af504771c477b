package io.tributary.transform;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.common.metrics.IdleClocks;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.TableRef;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.generic.GenericRecord;

/**
 * The transform's meters of one table of one service, looked up once per table instead of once per event: a
 * profile of the transform showed an eighth of its stream thread's samples in building the meters' map keys
 * (the topic name among them) for every event. {@code tributary.transform.events{service,table,op}},
 * {@code tributary.pipeline.lag.seconds{stage=transform,source,table}} (not for snapshot reads) and the table's idle clock.
 */
final class TableMeters {
    private final MeterRegistry metrics;
    private final String service;
    private final String topic;
    private final IdleClocks.Clock idle;
    private final Timer lag;
    private final Map<String, Counter> events = new ConcurrentHashMap<>();

    TableMeters(MeterRegistry metrics, IdleClocks clocks, String service, TableRef table) {
        this.metrics = metrics;
        this.service = service;
        this.topic = table.topic();
        this.idle = clocks.clock(table.source(), table.table());
        this.lag = Timer.builder("tributary.pipeline.lag.seconds").tag("stage", "transform").tag("source", table.source())
                .tag("table", table.table()).publishPercentiles(0.5, 0.99).register(metrics);
    }

    /** Counts one envelope (null: a tombstone, not counted) and, for a change, its lag from the capture. */
    void seen(GenericRecord envelope) {
        if (envelope == null) {
            return;
        }
        String op = envelope.get(Envelope.Fields.OP).toString();
        seen(op, "r".equals(op) ? 0 : (Long) ((GenericRecord) envelope.get(Envelope.Fields.SOURCE)).get(Envelope.SourceFields.TS_MS));
    }

    /** Counts one envelope of op code {@code op} whose source block says {@code capturedMs}. */
    void seen(String op, long capturedMs) {
        idle.mark();
        events.computeIfAbsent(op, o -> Counter.builder("tributary.transform.events").tag("service", service).tag("table", topic)
                .tag("op", o).register(metrics)).increment();
        if (!"r".equals(op)) {
            lag.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - capturedMs)));
        }
    }
}
