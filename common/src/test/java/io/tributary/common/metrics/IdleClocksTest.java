package io.tributary.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IdleClocksTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private double idle(String stage, String table) {
        return registry.get(IdleClocks.METRIC).tag("stage", stage).tag("table", table).gauge().value();
    }

    @Test
    void growsWhileNothingArrivesAndDropsToZeroOnEachEvent() {
        IdleClocks sink = new IdleClocks(registry, "sink", now::get);
        IdleClocks.Clock trades = sink.clock("monolith", "trades");
        now.addAndGet(7_500_000_000L);
        assertEquals(7.5, idle("sink", "trades"), 1e-9, "counts from the first use");
        trades.mark();
        assertEquals(0, idle("sink", "trades"), 1e-9);
        now.addAndGet(2_000_000_000L);
        assertEquals(2, idle("sink", "trades"), 1e-9);
        assertSame(trades, sink.clock("monolith", "trades"), "one clock per table, however often asked");
    }

    @Test
    void stagesAndTablesHaveTheirOwnSeriesWithThePrometheusName() {
        IdleClocks capture = new IdleClocks(registry, "capture", now::get);
        IdleClocks sink = new IdleClocks(registry, "sink", now::get);
        capture.clock("monolith", "trades");
        sink.clock("monolith", "trades");
        now.addAndGet(3_000_000_000L);
        capture.clock("monolith", "trades").mark();
        assertEquals(0, idle("capture", "trades"), 1e-9);
        assertEquals(3, idle("sink", "trades"), 1e-9);
        String scrape = registry.scrape();
        assertTrue(scrape.contains("tributary_pipeline_idle_seconds{source=\"monolith\",stage=\"sink\",table=\"trades\"} 3.0"), scrape);
    }
}
