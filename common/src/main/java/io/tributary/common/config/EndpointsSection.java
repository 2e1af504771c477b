package io.tributary.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import io.tributary.schemas.kafka.Topics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code kafka:}, {@code registry:} and {@code http:} parts of the pipeline file: where the topics and
 * schemas live and where each deployable serves its metrics and health. Only the values are checked here;
 * whether the servers answer is checked at start by the deployables.
 */
final class EndpointsSection {
    private static final Set<String> DEPLOYABLES = Set.of("capture-postgres", "capture-sqlite", "transform", "sink");
    private static final Set<String> COMPATIBILITY_LEVELS =
            Set.of("BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE");

    private final ConfigReader r;

    EndpointsSection(ConfigReader r) {
        this.r = r;
    }

    PipelineConfig.Kafka kafka(JsonNode n) {
        r.known(n, "kafka", "bootstrap", "replication-factor", "partitions", "topic-partitions", "properties");
        String bootstrap = r.required(n, "kafka", "bootstrap", "host:port[,host:port], e.g. ${TRIBUTARY_KAFKA}");
        int rf = r.integer(n, "kafka", "replication-factor", 1, 1, 16);
        int partitions = r.integer(n, "kafka", "partitions", 1, 1, 10_000);
        return new PipelineConfig.Kafka(bootstrap, rf, partitions, properties(n.path("properties")));
    }

    /**
     * {@code kafka.topic-partitions}: the partition count of named topics, each the topic of a captured table
     * ({@code <source>.<schema>.<table>}) or of a service's table ({@code <service>.<table>}); a service topic
     * not named takes its table topic's count. Every name that is no such topic and every count out of range
     * is a problem.
     */
    PipelineConfig.Kafka withTopicPartitions(PipelineConfig.Kafka kafka, JsonNode n, List<PipelineConfig.Source> sources,
                                             List<PipelineConfig.Service> services) {
        if (n.isMissingNode() || n.isNull()) {
            return kafka;
        }
        if (!n.isObject()) {
            r.problem("kafka.topic-partitions", "expected a mapping of topic names to partition counts", "write e.g. { monolith.public.trades: 8 }");
            return kafka;
        }
        Set<String> tableTopics = new java.util.TreeSet<>();
        sources.forEach(s -> s.tables().forEach(t -> tableTopics.add(t.topic())));
        Map<String, Integer> counts = new LinkedHashMap<>();
        n.fieldNames().forEachRemaining(topic -> {
            boolean serviceTopic = services.stream().anyMatch(s -> s.tables().stream().anyMatch(t -> Topics.perService(s.name(), t.table()).equals(topic)));
            if (!tableTopics.contains(topic) && !serviceTopic) {
                r.problem("kafka.topic-partitions." + topic, "is not the topic of a captured table or of a service's table",
                        "name a table topic (<source>.<schema>.<table>, one of " + tableTopics + ") or a service topic (<service>.<table>)");
            }
            counts.put(topic, r.integer(n, "kafka.topic-partitions", topic, kafka.partitions(), 1, 10_000));
        });
        for (PipelineConfig.Service s : services) { // a service topic follows its table topic unless named itself
            s.tables().forEach(t -> {
                Integer table = counts.get(t.topic());
                if (table != null) {
                    counts.putIfAbsent(Topics.perService(s.name(), t.table()), table);
                }
            });
        }
        return new PipelineConfig.Kafka(kafka.bootstrap(), kafka.replicationFactor(), kafka.partitions(), kafka.properties(), Map.copyOf(counts));
    }

    /** {@code kafka.properties}: passed as they are to every Kafka client, so each must be a plain value. */
    private Map<String, String> properties(JsonNode n) {
        if (!n.isMissingNode() && !n.isNull() && !n.isObject()) {
            r.problem("kafka.properties", "expected a mapping of Kafka client properties", "write e.g. { security.protocol: SASL_SSL }");
        }
        Map<String, String> props = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> {
            String key = "kafka.properties." + e.getKey();
            String v = r.scalar(e.getValue(), key);
            if (v != null) {
                props.put(e.getKey(), v);
            } else if (e.getValue().isNull()) {
                r.problem(key, "has no value", "write the property's value, or leave the key out");
            }
        });
        return Map.copyOf(props);
    }

    PipelineConfig.Registry registry(JsonNode n) {
        r.known(n, "registry", "url", "compatibility", "user", "password", "token", "truststore", "truststore-password", "retry-for");
        String url = r.required(n, "registry", "url", "the Confluent-compatible base URL, e.g. ${TRIBUTARY_REGISTRY}");
        if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
            r.problem("registry.url", "'" + url + "' is not an http(s) URL", "write e.g. http://registry:8081");
        }
        // applied to the subjects the deployables register only when set: absent, the registry's own level rules
        String compat = r.optional(n, "registry", "compatibility", null);
        if (compat != null && !COMPATIBILITY_LEVELS.contains(compat)) {
            r.problem("registry.compatibility", "unknown level '" + compat + "'", "one of BACKWARD, FORWARD, FULL (optionally _TRANSITIVE) or NONE");
        }
        String user = r.optional(n, "registry", "user", null);
        String password = r.optional(n, "registry", "password", null);
        String token = r.optional(n, "registry", "token", null);
        if ((user == null) != (password == null)) {
            r.problem(user == null ? "registry.user" : "registry.password", "basic authentication needs both registry.user and registry.password",
                    "set both (the password e.g. as ${file:/run/secrets/registry-password}), or neither");
        }
        if (token != null && user != null) {
            r.problem("registry.token", "both a bearer token and basic credentials are set", "keep one: registry.token, or registry.user and registry.password");
        }
        String truststore = r.optional(n, "registry", "truststore", null);
        java.nio.file.Path trust = truststore == null ? null : java.nio.file.Path.of(truststore);
        if (trust != null && !java.nio.file.Files.isReadable(trust)) {
            r.problem("registry.truststore", "cannot read '" + truststore + "'", "give a readable PKCS12 or JKS file, or PEM certificates (.pem, .crt)");
        }
        if (trust != null && url != null && !url.startsWith("https://")) {
            r.problem("registry.truststore", "a truststore is set but registry.url is not https", "write the registry's https:// URL, or leave the truststore out");
        }
        String trustPassword = r.optional(n, "registry", "truststore-password", null);
        java.time.Duration retryFor = r.duration(n, "registry", "retry-for", PipelineConfig.Registry.DEFAULT_RETRY_FOR);
        return new PipelineConfig.Registry(url, compat, user, secret(password), secret(token), trust, secret(trustPassword), retryFor);
    }

    private static Secret secret(String value) {
        return value == null ? null : new Secret(value);
    }

    /** {@code http.bind}: the address every deployable's endpoints listen on (default: every interface). */
    String httpBind(JsonNode n) {
        String bind = r.optional(n, "http", "bind", PipelineConfig.ALL_INTERFACES);
        if (bind != null && !bind.matches("[0-9A-Za-z.:\\-\\[\\]]+")) {
            r.problem("http.bind", "'" + bind + "' is not an address", "write an IP address or host name, e.g. 127.0.0.1 (this host only) or 0.0.0.0");
        }
        return bind;
    }

    /** {@code state.dir}: where deployables keep local state (default {@link PipelineConfig#DEFAULT_STATE_DIR}, relative to the working directory). */
    java.nio.file.Path stateDir(JsonNode n) {
        if (n.isMissingNode()) {
            return PipelineConfig.DEFAULT_STATE_DIR;
        }
        r.known(n, "state", "dir");
        String dir = r.optional(n, "state", "dir", PipelineConfig.DEFAULT_STATE_DIR.toString());
        try {
            return java.nio.file.Path.of(dir);
        } catch (java.nio.file.InvalidPathException e) {
            r.problem("state.dir", "'" + dir + "' is not a path (" + e.getReason() + ")", "write a directory, e.g. /var/lib/tributary");
            return PipelineConfig.DEFAULT_STATE_DIR;
        }
    }

    /** The port of each deployable named under {@code http:}; the others are absent (0: any free port). */
    Map<String, Integer> http(JsonNode n) {
        Map<String, Integer> ports = new HashMap<>();
        if (n.isMissingNode()) {
            return ports;
        }
        r.known(n, "http", java.util.stream.Stream.concat(DEPLOYABLES.stream(), java.util.stream.Stream.of("bind")).toArray(String[]::new));
        for (String d : DEPLOYABLES) {
            if (n.has(d)) {
                ports.put(d, r.integer(n, "http", d, 0, 0, 65535));
            }
        }
        return Map.copyOf(ports);
    }
}
