package io.tributary.ops.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docker/compose.yaml without a Docker engine: every service the stack promises is there with a pinned image
 * and a health check, the deployables use the images Jib builds (ops/pom.xml) as the non-root user they are
 * built with, read the pipeline file where the image expects it and are probed on the ports that file gives,
 * every mounted file exists, every variable is set in docker/.env, the pipeline file is valid, and
 * Prometheus scrapes and Grafana loads what the monitoring pack needs.
 */
class ComposeFileTest {
    static final List<String> DEPLOYABLES = List.of("capture-postgres", "capture-sqlite", "transform", "sink");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)(:-[^}]*)?}");

    private final Path docker = DockerFiles.root().resolve("docker");
    private final JsonNode compose = DockerFiles.yaml(docker.resolve("compose.yaml"));
    private final JsonNode services = compose.path("services");

    @Test
    void everyServiceOfTheStackIsThereWithAPinnedImageAndAHealthCheck() {
        Set<String> names = new HashSet<>();
        services.fieldNames().forEachRemaining(names::add);
        assertTrue(names.containsAll(Set.of("kafka", "registry", "monolith", "services-db", "timescaledb", "prometheus", "grafana")), "services: " + names);
        assertTrue(names.containsAll(DEPLOYABLES), "the four deployables: " + names);
        compose.fieldNames().forEachRemaining(k -> assertTrue(Set.of("services", "volumes", "networks").contains(k) || k.startsWith("x-"),
                "top-level key " + k));
        services.fields().forEachRemaining(e -> {
            String image = e.getValue().path("image").asText();
            assertTrue(image.matches("[a-z0-9./_-]+:[A-Za-z0-9.${}_-]+") && !image.endsWith(":latest"), e.getKey() + " pins its image: " + image);
            JsonNode test = e.getValue().path("healthcheck").path("test");
            assertTrue(test.isArray() && test.size() >= 2 && Set.of("CMD", "CMD-SHELL").contains(test.get(0).asText()),
                    e.getKey() + " has a health check: " + test);
        });
        assertTrue(services.path("kafka").path("environment").path("KAFKA_PROCESS_ROLES").asText().contains("controller"), "Kafka runs in KRaft mode");
        assertTrue(services.path("monolith").toString().contains("wal_level=logical"), "the monolith can be captured");
        assertTrue(services.path("timescaledb").path("image").asText().startsWith("timescale/timescaledb:"));
    }

    @Test
    void theDeployablesRunJibsImagesAsTheirNonRootUserAndAreProbedOnThePipelineFilesPorts() throws Exception {
        Map<String, String> env = DockerFiles.env(docker.resolve(".env"));
        PipelineConfig pipeline = PipelineConfigLoader.load(docker.resolve("pipeline.yaml"), env);
        JibConfig jib = JibConfig.read(DockerFiles.root().resolve("ops/pom.xml"));
        assertEquals(jib.projectVersion(), env.get("TRIBUTARY_VERSION"), "docker/.env names the version the build makes");
        assertEquals(PipelineConfig.ALL_INTERFACES, pipeline.httpBind(), "endpoints reachable from Prometheus' container, not loopback only");
        for (String d : DEPLOYABLES) {
            JsonNode s = services.path(d);
            assertEquals(jib.image(d).replace("${project.version}", "${TRIBUTARY_VERSION}"), s.path("image").asText(), d + ": Jib's image");
            assertEquals(jib.user(), s.path("user").asText(), d + " runs as the image's non-root user");
            assertFalse(s.path("user").asText().startsWith("0"), d + " is not root");
            assertEquals("512m", s.path("mem_limit").asText(), d + " is limited to its JVM budget (docs/operations.md, Memory)");
            assertTrue(texts(s.path("volumes")).contains("./pipeline.yaml:/etc/tributary/pipeline.yaml:ro"), d + " mounts the pipeline file where the image reads it");
            assertEquals(List.of("--config", "/etc/tributary/pipeline.yaml"), jib.args(), "the image's default arguments");
            int port = pipeline.httpPort(d);
            List<String> probe = texts(s.path("healthcheck").path("test"));
            assertEquals(List.of("CMD", "java", "-XX:TieredStopAtLevel=1", "-cp", "/app/classes", io.tributary.ops.HealthProbe.class.getName(),
                    "http://127.0.0.1:" + port + "/health/ready"), probe, d + " is probed on its http port " + port);
            assertEquals(String.valueOf(port), jib.port(d), d + ": the image exposes the port the pipeline file gives");
            for (String var : pipelineVariables()) {
                assertTrue(s.path("environment").has(var), d + " gets " + var + ", which the pipeline file reads");
            }
        }
        assertTrue(texts(services.path("capture-sqlite").path("volumes")).contains("experiments-data:/data"), "capture-sqlite shares the application's volume");
        assertTrue(texts(services.path("experiments-app").path("volumes")).contains("experiments-data:/data"));
        assertTrue(pipeline.source("experiments").orElseThrow().sqlite().path().startsWith("/data"), "the SQLite source lies on that volume");
    }

    @Test
    void mountedFilesExistNamedVolumesAreDeclaredAndDependenciesAreHealthChecked() {
        Set<String> volumes = new HashSet<>();
        compose.path("volumes").fieldNames().forEachRemaining(volumes::add);
        List<String> problems = new ArrayList<>();
        services.fields().forEachRemaining(e -> {
            for (String v : texts(e.getValue().path("volumes"))) {
                String source = v.split(":")[0];
                if (source.startsWith(".")) {
                    if (!Files.exists(docker.resolve(source).normalize())) {
                        problems.add(e.getKey() + " mounts " + source + ", which does not exist");
                    }
                } else if (!volumes.contains(source)) {
                    problems.add(e.getKey() + " uses volume " + source + ", not declared under volumes");
                }
            }
            e.getValue().path("depends_on").fields().forEachRemaining(d -> {
                if (!services.has(d.getKey())) {
                    problems.add(e.getKey() + " depends on " + d.getKey() + ", which is not a service");
                } else if ("service_healthy".equals(d.getValue().path("condition").asText()) && services.path(d.getKey()).path("healthcheck").isMissingNode()) {
                    problems.add(e.getKey() + " waits for " + d.getKey() + " to be healthy, which has no health check");
                }
            });
        });
        assertEquals(List.of(), problems);
    }

    @Test
    void everyVariableIsSetInTheEnvFile() throws Exception {
        Map<String, String> env = DockerFiles.env(docker.resolve(".env"));
        Matcher m = VARIABLE.matcher(Files.readString(docker.resolve("compose.yaml")));
        while (m.find()) {
            assertTrue(env.containsKey(m.group(1)) || m.group(2) != null, "${" + m.group(1) + "} is set in docker/.env");
        }
        for (String var : pipelineVariables()) {
            assertTrue(env.containsKey(var), var + " (pipeline file) is set in docker/.env");
        }
    }

    @Test
    void prometheusScrapesEveryDeployableAsTheRulesExpectAndGrafanaLoadsTheDashboard() throws Exception {
        PipelineConfig pipeline = PipelineConfigLoader.load(docker.resolve("pipeline.yaml"), DockerFiles.env(docker.resolve(".env")));
        JsonNode prometheus = DockerFiles.yaml(docker.resolve("prometheus/prometheus.yaml"));
        Map<String, String> jobs = new java.util.HashMap<>();
        for (JsonNode job : prometheus.path("scrape_configs")) {
            jobs.put(job.path("job_name").asText(), job.path("static_configs").get(0).path("targets").get(0).asText());
        }
        for (String d : DEPLOYABLES) {
            assertEquals(d + ":" + pipeline.httpPort(d), jobs.get("tributary-" + d), "job tributary-" + d + " (the rules' up{job=~\"tributary-.*\"})");
        }
        List<String> promMounts = texts(services.path("prometheus").path("volumes"));
        assertTrue(promMounts.contains("../ops/monitoring/prometheus/tributary-alerts.yaml:/etc/prometheus/rules/tributary-alerts.yaml:ro"), "the rules");
        assertEquals("/etc/prometheus/rules/*.yaml", prometheus.path("rule_files").get(0).asText());
        assertTrue(promMounts.contains("./prometheus/prometheus.yaml:/etc/prometheus/prometheus.yml:ro"));

        List<String> grafanaMounts = texts(services.path("grafana").path("volumes"));
        String dashboards = DockerFiles.yaml(docker.resolve("grafana/provisioning/dashboards/tributary.yaml"))
                .path("providers").get(0).path("options").path("path").asText();
        assertTrue(grafanaMounts.contains("../ops/monitoring/grafana/tributary-dashboard.json:" + dashboards + "/tributary-dashboard.json:ro"),
                "the dashboard lies where the provider reads: " + grafanaMounts);
        JsonNode ds = DockerFiles.yaml(docker.resolve("grafana/provisioning/datasources/prometheus.yaml")).path("datasources").get(0);
        assertEquals("prometheus", ds.path("type").asText());
        assertTrue(ds.path("isDefault").asBoolean(), "the dashboard's datasource variable picks the default Prometheus");
        assertEquals("http://prometheus:9090", ds.path("url").asText());
    }

    private Set<String> pipelineVariables() throws java.io.IOException {
        Set<String> out = new HashSet<>();
        Matcher m = VARIABLE.matcher(Files.readString(docker.resolve("pipeline.yaml")));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
