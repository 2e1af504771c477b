package io.tributary.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A small client for the Confluent Schema Registry REST API (v7), as served by Confluent Schema Registry,
 * Karapace and Apicurio ({@code /apis/ccompat/v7}). Confluent's own client is not on the registries this
 * project builds from, so this covers what Tributary needs: register, look up by id (cached), check
 * compatibility, and read or set a subject's compatibility level.
 *
 * <p>Registered ids and schemas are cached for the life of the client; ids are never assumed to be
 * sequential. Thread-safe.
 */
public final class SchemaRegistryClient {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String baseUrl;
    private final HttpClient http;
    private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idBySubject = new ConcurrentHashMap<>();

    public SchemaRegistryClient(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** Registers {@code schema} under {@code subject} (a no-op returning the id when already there). */
    public int register(String subject, Schema schema) {
        Map<Schema, Integer> known = idBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = known.get(schema);
        if (cached != null) {
            return cached;
        }
        JsonNode r = call("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schema), "register schema under subject '" + subject + "'");
        int id = r.path("id").asInt();
        known.put(schema, id);
        byId.putIfAbsent(id, schema);
        return id;
    }

    /** The schema with {@code id}; fetched once, then served from the cache. */
    public Schema schemaById(int id) {
        Schema s = byId.get(id);
        if (s == null) {
            JsonNode r = call("GET", "/schemas/ids/" + id, null, "fetch schema id " + id);
            s = new Schema.Parser().parse(r.path("schema").asText());
            byId.put(id, s);
        }
        return s;
    }

    /** The version numbers registered under {@code subject}, oldest first. */
    public java.util.List<Integer> versions(String subject) {
        JsonNode r = call("GET", "/subjects/" + enc(subject) + "/versions", null, "list versions of subject '" + subject + "'");
        java.util.List<Integer> out = new java.util.ArrayList<>();
        r.forEach(v -> out.add(v.asInt()));
        return out;
    }

    /** Whether {@code schema} may be registered under {@code subject} given its compatibility level. */
    public boolean isCompatible(String subject, Schema schema) {
        JsonNode r = call("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest", schemaBody(schema),
                "check compatibility with subject '" + subject + "'");
        return r.path("is_compatible").asBoolean();
    }

    /** Sets the compatibility level of {@code subject} (BACKWARD, FORWARD, FULL, ..., NONE). */
    public void setCompatibility(String subject, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        call("PUT", "/config/" + enc(subject), body.toString(), "set compatibility of subject '" + subject + "'");
    }

    /** The compatibility level of {@code subject}, falling back to the global level. */
    public String compatibility(String subject) {
        JsonNode r = call("GET", "/config/" + enc(subject) + "?defaultToGlobal=true", null, "read compatibility of subject '" + subject + "'");
        // Confluent answers {"compatibilityLevel":...}; some servers echo {"compatibility":...}
        return r.has("compatibilityLevel") ? r.get("compatibilityLevel").asText() : r.path("compatibility").asText();
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString()).put("schemaType", "AVRO").toString();
    }

    /** Network failures and 5xx answers are retried for about 30 s (every call here is idempotent). */
    private JsonNode call(String method, String path, String body, String what) {
        long backoff = 100;
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                return callOnce(method, path, body, what);
            } catch (RegistryException e) {
                if (!e.retriable() || System.currentTimeMillis() + backoff > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    private JsonNode callOnce(String method, String path, String body, String what) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(30))
                .header("Accept", CONTENT_TYPE + ", application/json");
        if (body != null) {
            req.header("Content-Type", CONTENT_TYPE);
        }
        req.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r;
        try {
            r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new RegistryException("schema registry at " + baseUrl + " unreachable while trying to " + what + ": " + e, 0, 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted while trying to " + what, 0, 0, e);
        }
        JsonNode json;
        try {
            json = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new RegistryException("schema registry at " + baseUrl + " answered HTTP " + r.statusCode()
                    + " with a body that is not JSON while trying to " + what, r.statusCode(), 0, e);
        }
        if (r.statusCode() / 100 != 2) {
            throw new RegistryException("schema registry refused to " + what + ": HTTP " + r.statusCode()
                    + " error_code=" + json.path("error_code").asInt() + " " + json.path("message").asText(),
                    r.statusCode(), json.path("error_code").asInt(), null);
        }
        return json;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
