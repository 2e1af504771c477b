package io.tributary.common.config;

import static io.tributary.common.config.ConfigReaderTest.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EndpointsSectionTest {
    private final ConfigReader r = new ConfigReader(Map.of());
    private final EndpointsSection endpoints = new EndpointsSection(r);

    private List<String> problemKeys() {
        return r.problems().stream().map(ConfigProblem::key).toList();
    }

    @Test
    void kafkaDefaultsAndClientProperties() {
        JsonNode n = yaml("bootstrap: k:9092\nproperties: { security.protocol: SASL_SSL, retries: 3 }");
        PipelineConfig.Kafka k = endpoints.kafka(n);
        assertEquals(new PipelineConfig.Kafka("k:9092", 1, 1, Map.of("security.protocol", "SASL_SSL", "retries", "3")), k);
        assertEquals(List.of(), r.problems());
    }

    @Test
    void kafkaValuesOutOfRange() {
        endpoints.kafka(yaml("replication-factor: 17\npartitions: 0\ncolour: x"));
        assertEquals(List.of("kafka.colour", "kafka.bootstrap", "kafka.replication-factor", "kafka.partitions"), problemKeys());
    }

    @Test
    void registryNeedsAnHttpUrlAndAKnownCompatibilityLevel() {
        assertEquals(new PipelineConfig.Registry("https://r", "FULL_TRANSITIVE"),
                endpoints.registry(yaml("url: https://r\ncompatibility: FULL_TRANSITIVE")));
        assertEquals(new PipelineConfig.Registry("http://r", null), endpoints.registry(yaml("url: http://r")),
                "no level set: the registry's own applies");
        assertEquals(List.of(), r.problems());
        endpoints.registry(yaml("url: r:8081\ncompatibility: backward"));
        assertEquals(List.of("registry.url", "registry.compatibility"), problemKeys());
    }

    @Test
    void registryCredentialsComeInPairsAndATruststoreNeedsHttpsAndAFile() {
        PipelineConfig.Registry basic = endpoints.registry(yaml("url: https://r\nuser: u\npassword: p\nretry-for: 30s"));
        assertEquals("u", basic.user());
        assertEquals("p", basic.password().value());
        assertEquals(java.time.Duration.ofSeconds(30), basic.retryFor());
        assertTrue(!basic.toString().contains("=p,") && !basic.toString().contains("=p]"), "the password is masked: " + basic);
        assertEquals(List.of(), r.problems());
        endpoints.registry(yaml("url: http://r\nuser: u"));
        endpoints.registry(yaml("url: http://r\ntoken: t\nuser: u\npassword: p"));
        endpoints.registry(yaml("url: http://r\ntruststore: /nonexistent/ca.p12"));
        assertEquals(List.of("registry.password", "registry.token", "registry.truststore", "registry.truststore"), problemKeys());
    }

    @Test
    void httpPortsOfTheNamedDeployablesOnly() {
        assertEquals(Map.of("sink", 9404, "transform", 0), endpoints.http(yaml("sink: 9404\ntransform: 0")));
        assertEquals(Map.of(), endpoints.http(yaml("{}").path("http")));
        assertEquals(List.of(), r.problems());
        endpoints.http(yaml("sink: 65536\nreconciler: 1"));
        assertEquals(List.of("http.reconciler", "http.sink"), problemKeys());
    }
}
