package io.tributary.common.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads a pipeline file: YAML, with {@code ${NAME}} and {@code ${NAME:-default}} replaced from the
 * environment, then checks every key and collects every problem before failing once with a
 * {@link ConfigException}. Unknown keys are problems too: a typo must not silently become a default.
 * Each part of the file is read by its own section ({@link EndpointsSection}, {@link SourcesSection},
 * {@link ServicesSection}), all recording into one {@link ConfigReader}.
 */
public final class PipelineConfigLoader {
    private PipelineConfigLoader() {
    }

    public static PipelineConfig load(Path file) throws ConfigException {
        return load(file, System.getenv());
    }

    public static PipelineConfig load(Path file, Map<String, String> env) throws ConfigException {
        if (!Files.isReadable(file)) {
            throw new ConfigException("pipeline file " + file, List.of(new ConfigProblem("--config",
                    "file " + file + " does not exist or is not readable", "pass the path of your pipeline YAML")));
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("pipeline file " + file, List.of(new ConfigProblem("--config",
                    "cannot read " + file + ": " + e.getMessage(), "check the file's permissions")));
        }
        return parse(text, file.toString(), env);
    }

    /**
     * A file with problems, read as far as it goes: the parts that are valid (possibly null elsewhere) and
     * every problem, so that a deployable can still check the servers the file does name correctly.
     */
    public record Partial(PipelineConfig config, List<ConfigProblem> problems) {
    }

    public static Partial readPartial(Path file, Map<String, String> env) {
        try {
            return new Partial(load(file, env), List.of());
        } catch (ConfigException e) {
            PipelineConfig partial = null;
            try {
                partial = read(new YAMLMapper().readTree(Files.readString(file)), new ConfigReader(env));
            } catch (IOException | RuntimeException unreadable) {
                // the problems already say why the file cannot be read; nothing partial to offer
            }
            return new Partial(partial, e.problems());
        }
    }

    public static PipelineConfig parse(String yaml, String origin, Map<String, String> env) throws ConfigException {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(yaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ConfigException("pipeline file " + origin, List.of(new ConfigProblem("(file)",
                    "not valid YAML" + where + ": " + e.getOriginalMessage(), "fix the YAML syntax")));
        }
        ConfigReader reader = new ConfigReader(env);
        PipelineConfig config = read(root, reader);
        if (!reader.problems().isEmpty()) {
            throw new ConfigException("pipeline file " + origin, reader.problems());
        }
        return config;
    }

    /** The whole file; null when it is not a mapping. Problems go to {@code r}, in the order of the file's parts. */
    private static PipelineConfig read(JsonNode root, ConfigReader r) {
        if (root == null || !root.isObject()) {
            r.problem("(file)", "the file is empty or not a mapping", "start from docs/pipeline-file.md");
            return null;
        }
        r.known(root, "", "kafka", "registry", "sources", "services", "http", "state");
        EndpointsSection endpoints = new EndpointsSection(r);
        PipelineConfig.Kafka kafka = endpoints.kafka(root.path("kafka"));
        PipelineConfig.Registry registry = endpoints.registry(root.path("registry"));
        List<PipelineConfig.Source> sources = new SourcesSection(r).read(root.path("sources"));
        List<PipelineConfig.Service> services = new ServicesSection(r).read(root.path("services"), sources);
        kafka = endpoints.withTopicPartitions(kafka, root.path("kafka").path("topic-partitions"), sources, services);
        Map<String, Integer> http = endpoints.http(root.path("http"));
        return new PipelineConfig(kafka, registry, sources, services, http, endpoints.httpBind(root.path("http")),
                endpoints.stateDir(root.path("state")));
    }
}
