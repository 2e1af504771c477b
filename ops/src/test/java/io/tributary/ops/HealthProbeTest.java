package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.common.app.HttpEndpoints;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The containers' health check against a deployable's real endpoints. */
class HealthProbeTest {
    @Test
    void healthyOnlyWhileTheEndpointAnswers200() throws Exception {
        AtomicBoolean ready = new AtomicBoolean();
        int port;
        try (HttpEndpoints http = new HttpEndpoints(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> true, ready::get)) {
            port = http.port();
            String url = "http://127.0.0.1:" + port + "/health/ready";
            assertFalse(HealthProbe.healthy(url), "503 while not ready");
            ready.set(true);
            assertTrue(HealthProbe.healthy(url));
            assertTrue(HealthProbe.healthy("http://127.0.0.1:" + port + "/health/live"));
        }
        assertFalse(HealthProbe.healthy("http://127.0.0.1:" + port + "/health/ready"), "nothing listens any more");
        assertFalse(HealthProbe.healthy("not a url"));
    }
}
