package io.tributary.ops.local.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The bench reads each stage's progress from the Prometheus page the deployable serves. */
class DeployablesTest {
    private static final String PAGE = """
            # HELP tributary_sink_rows_total
            # TYPE tributary_sink_rows_total counter
            tributary_sink_rows_total{outcome="applied",service="svc",table="svc.trades"} 1200.0
            tributary_sink_rows_total{outcome="applied",service="svc",table="svc.users"} 34.0
            tributary_sink_rows_total{outcome="applied",service="svc",table="*"} 1234.0
            tributary_sink_rows_total{outcome="dead_letter",service="svc",table="svc.trades"} 7.0
            tributary_sink_rows_total_created 1.0
            tributary_capture_events_total{op="c",source="m",table="trades"} 5.0
            tributary_capture_events_total{op="r",source="m",table="trades"} 1.0E6
            """;

    @Test
    void sumsEverySampleOfTheCounterWithTheLabelAndSkipsTheAllTablesSeries() {
        assertEquals(1234, Deployables.sum(PAGE, "tributary_sink_rows_total", "outcome=\"applied\""));
        assertEquals(1_000_005, Deployables.sum(PAGE, "tributary_capture_events_total", null));
        assertEquals(0, Deployables.sum(PAGE, "tributary_transform_events_total", null));
    }
}
