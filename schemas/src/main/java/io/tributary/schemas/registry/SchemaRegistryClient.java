package io.tributary.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;

/**
 * A small client for the Confluent Schema Registry REST API (v7), as served by Confluent Schema Registry,
 * Karapace and Apicurio ({@code /apis/ccompat/v7}). Confluent's own client is not on the registries this
 * project builds from, so this covers what Tributary needs: register, look up by id (cached), check
 * compatibility, and read or set a subject's compatibility level.
 *
 * <p>Registered ids and schemas are cached for the life of the client; ids are never assumed to be
 * sequential. With {@link Settings}, every call carries basic or bearer credentials, HTTPS trusts the given
 * truststore (else the JVM's), and each subject this client registers under gets the compatibility level
 * first (once per subject and client). Credentials never appear in a message or {@link #toString()}.
 * Thread-safe.
 */
public final class SchemaRegistryClient {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String baseUrl;
    private final Settings settings;
    private final String authorization;
    private final HttpClient http;
    private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idBySubject = new ConcurrentHashMap<>();
    private final Set<String> levelApplied = ConcurrentHashMap.newKeySet();

    /**
     * How to reach the registry beyond its URL. At most one of basic credentials ({@code user} and
     * {@code password}) and a bearer {@code token}; {@code truststore} (PKCS12 or JKS, or PEM certificates
     * when the name ends in .pem, .crt or .cer) replaces the JVM's trusted CAs for HTTPS; {@code compatibility}
     * (BACKWARD, ..., NONE), when set, is applied to each subject before this client first registers under it.
     * Any of them may be null.
     */
    public record Settings(String user, String password, String token, Path truststore, String truststorePassword, String compatibility) {
        public static final Settings NONE = new Settings(null, null, null, null, null, null);

        @Override
        public String toString() {
            return "Settings[auth=" + (token != null ? "bearer" : user != null ? "basic user=" + user : "none")
                    + ", truststore=" + truststore + ", compatibility=" + compatibility + "]";
        }
    }

    public SchemaRegistryClient(String baseUrl) {
        this(baseUrl, Settings.NONE);
    }

    /** @throws IllegalArgumentException when the truststore cannot be read, naming the file and why */
    public SchemaRegistryClient(String baseUrl, Settings settings) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.settings = settings;
        this.authorization = settings.token() != null ? "Bearer " + settings.token()
                : settings.user() != null ? "Basic " + Base64.getEncoder().encodeToString(
                        (settings.user() + ":" + (settings.password() == null ? "" : settings.password())).getBytes(StandardCharsets.UTF_8))
                : null;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (settings.truststore() != null) {
            b.sslContext(trusting(settings.truststore(), settings.truststorePassword()));
        }
        this.http = b.build();
    }

    /** An SSL context that trusts exactly the certificates of {@code truststore}. */
    private static SSLContext trusting(Path truststore, String password) {
        try {
            KeyStore ks;
            String name = truststore.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            if (name.endsWith(".pem") || name.endsWith(".crt") || name.endsWith(".cer")) {
                ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                try (InputStream in = Files.newInputStream(truststore)) {
                    int i = 0;
                    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        ks.setCertificateEntry("ca-" + i++, c);
                    }
                }
                if (ks.size() == 0) {
                    throw new GeneralSecurityException("no certificate in the file");
                }
            } else {
                ks = KeyStore.getInstance(truststore.toFile(), password == null ? null : password.toCharArray()); // PKCS12 or JKS, detected
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load the registry truststore " + truststore + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); give a readable PKCS12 or JKS file with its password, "
                    + "or PEM certificates (.pem, .crt)", e);
        }
    }

    public String baseUrl() {
        return baseUrl;
    }

    @Override
    public String toString() {
        return "SchemaRegistryClient[" + baseUrl + ", " + settings + "]";
    }

    /** One GET of the subject list, without retrying: whether the registry answers these settings at all. */
    public void check() {
        callOnce("GET", "/subjects", null, "list subjects");
    }

    /**
     * Registers {@code schema} under {@code subject} (a no-op returning the id when already there), after
     * setting the subject's compatibility level when the {@link Settings} name one.
     */
    public int register(String subject, Schema schema) {
        Map<Schema, Integer> known = idBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = known.get(schema);
        if (cached != null) {
            return cached;
        }
        if (settings.compatibility() != null && !levelApplied.contains(subject)) {
            setCompatibility(subject, settings.compatibility()); // before the first version too, so that the second is checked
            levelApplied.add(subject);
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

    /** Retriable failures ({@link RegistryException#retriable()}) are retried for about 30 s (every call here is idempotent). */
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
        if (authorization != null) {
            req.header("Authorization", authorization);
        }
        req.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r;
        try {
            r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new RegistryException("schema registry at " + baseUrl + " unreachable while trying to " + what + ": " + e
                    + "; " + RegistryException.hint(0, 0), 0, 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted while trying to " + what, 0, 0, e);
        }
        JsonNode json;
        try {
            json = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new RegistryException("schema registry at " + baseUrl + " answered HTTP " + r.statusCode()
                    + " with a body that is not JSON while trying to " + what + "; " + RegistryException.hint(r.statusCode(), 0),
                    r.statusCode(), 0, e);
        }
        if (r.statusCode() / 100 != 2) {
            int code = json.path("error_code").asInt();
            throw new RegistryException("schema registry at " + baseUrl + " refused to " + what + ": HTTP " + r.statusCode()
                    + " error_code=" + code + " " + json.path("message").asText() + "; " + RegistryException.hint(r.statusCode(), code),
                    r.statusCode(), code, null);
        }
        return json;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
