package io.tributary.common.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.ConfigException;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.schemas.registry.RegistryException;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.LocalRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry settings of the pipeline file (issue 10, items 9 and 12) against a real Apicurio Registry that
 * enforces them: basic authentication (Quarkus' HTTP basic with embedded users), bearer tokens (Apicurio's
 * OIDC authentication, verifying the token's signature against a key set the test serves, since no OIDC
 * server runs here) and HTTPS with a CA made in the test. Secrets come from ${file:} and ${ENV} and are
 * never printed; registry.compatibility is applied to the subjects registered.
 */
class RegistrySecurityIT {
    @TempDir
    Path dir;

    @BeforeAll
    static void needsTheApp() {
        assumeTrue(LocalRegistry.available(), "needs the Apicurio app unpacked by the testkit build (mvn -pl testkit generate-resources)");
    }

    private static PipelineConfig load(String registryYaml, Map<String, String> env) throws ConfigException {
        return PipelineConfigLoader.parse("""
                kafka: { bootstrap: "127.0.0.1:9" }
                registry: %s
                sources: [ { name: src, sqlite: { path: /nonexistent.db }, tables: [t] } ]
                services: [ { name: svc, target: { url: "jdbc:postgresql://127.0.0.1:9/x", user: u }, tables: [src.main.t] } ]
                """.formatted(registryYaml), "test", env);
    }

    /** The registry's start-up problems; a deployable that waits out an outage finds the same ones (none is an outage here). */
    private static java.util.List<String> preflight(PipelineConfig config) {
        Preflight p = new Preflight();
        p.registry(config.registry());
        java.util.List<String> problems = p.problems().stream().map(Object::toString).toList();
        Preflight waited = new Preflight();
        waited.registry(config.registry(), "the test waits");
        assertEquals(problems, waited.problems().stream().map(Object::toString).toList(),
                "credentials and TLS stay problems for a deployable that waits out an outage");
        return problems;
    }

    private static Schema v1(String name) {
        return SchemaBuilder.record(name).namespace("test").fields().requiredLong("id").endRecord();
    }

    private static Schema addsRequired(String name) {
        return SchemaBuilder.record(name).namespace("test").fields().requiredLong("id").requiredString("must").endRecord();
    }

    @Test
    void basicAuthFromASecretFileAndTheCompatibilityLevelAppliedToSubjects() throws Exception {
        String password = "pw-" + UUID.randomUUID();
        Path secret = Files.writeString(dir.resolve("registry-password"), password + "\n");
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("basic"), Map.of(
                "quarkus.http.auth.basic", "true",
                "quarkus.security.users.embedded.plain-text", "true",
                "quarkus.security.users.embedded.users.tributary", password,
                "quarkus.security.users.embedded.roles.tributary", "sr-admin",
                "quarkus.http.auth.permission.api.paths", "/apis/*",
                "quarkus.http.auth.permission.api.policy", "authenticated"))) {
            PipelineConfig config = load("{ url: \"%s\", user: tributary, password: \"${file:%s}\", compatibility: FULL }"
                    .formatted(registry.url(), secret), Map.of());
            assertEquals(java.util.List.of(), preflight(config));
            assertFalse(config.toString().contains(password), "the password is never printed");
            SchemaRegistryClient client = config.registry().client();
            assertFalse(client.toString().contains(password));
            String subject = "auth-" + UUID.randomUUID() + "-value";
            client.register(subject, v1("Auth"));
            assertEquals("FULL", client.compatibility(subject), "registry.compatibility is applied to the subject it registers");
            RegistryException refused = assertThrows(RegistryException.class, () -> client.register(subject, addsRequired("Auth")));
            assertEquals(409, refused.status());
            assertTrue(refused.getMessage().contains("registry.compatibility"), refused.getMessage());

            // no credentials, then a wrong password: a problem naming the setting, and the password never in it
            String none = String.join("\n", preflight(load("{ url: \"%s\" }".formatted(registry.url()), Map.of())));
            assertTrue(none.contains("registry.user") && none.contains("401"), none);
            String wrongPassword = "wrong-" + UUID.randomUUID();
            String wrong = String.join("\n", preflight(load("{ url: \"%s\", user: tributary, password: \"${REG_PW}\" }".formatted(registry.url()),
                    Map.of("REG_PW", wrongPassword))));
            assertTrue(wrong.contains("registry.user") && wrong.contains("401"), wrong);
            assertFalse(wrong.contains(wrongPassword), wrong);
        }
    }

    @Test
    void bearerTokenFromTheEnvironment() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair key = gen.generateKeyPair();
        KeyPair otherKey = gen.generateKeyPair();
        HttpServer jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] keySet = jwks((RSAPublicKey) key.getPublic()).getBytes(StandardCharsets.UTF_8);
        jwks.createContext("/jwks", ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, keySet.length);
            ex.getResponseBody().write(keySet);
            ex.close();
        });
        jwks.start();
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("bearer"), Map.of(
                "apicurio.authn.enabled", "true",
                "quarkus.oidc.tenant-enabled", "true",
                "quarkus.oidc.auth-server-url", "http://127.0.0.1:" + jwks.getAddress().getPort(),
                "quarkus.oidc.discovery-enabled", "false",
                "quarkus.oidc.jwks-path", "jwks"))) {
            String token = jwt(key.getPrivate());
            PipelineConfig config = load("{ url: \"%s\", token: \"${REG_TOKEN}\" }".formatted(registry.url()), Map.of("REG_TOKEN", token));
            assertEquals(java.util.List.of(), preflight(config));
            assertFalse(config.toString().contains(token));
            SchemaRegistryClient client = config.registry().client();
            String subject = "bearer-" + UUID.randomUUID() + "-value";
            int id = client.register(subject, v1("Bearer"));
            assertEquals(v1("Bearer"), load("{ url: \"%s\", token: \"%s\" }".formatted(registry.url(), token), Map.of()).registry().client().schemaById(id));

            String forged = jwt(otherKey.getPrivate());
            String refused = String.join("\n", preflight(load("{ url: \"%s\", token: \"%s\" }".formatted(registry.url(), forged), Map.of())));
            assertTrue(refused.contains("registry.token") && refused.contains("401"), refused);
            assertFalse(refused.contains(forged), refused);
        } finally {
            jwks.stop(0);
        }
    }

    @Test
    void httpsWithATruststoreOfTheRegistrysCa() throws Exception {
        Path server = dir.resolve("server.p12");
        Path ca = dir.resolve("ca.pem");
        Path trust = dir.resolve("trust.p12");
        keytool("-genkeypair", "-alias", "registry", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=127.0.0.1",
                "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", server.toString(), "-storetype", "PKCS12",
                "-storepass", "server-pw", "-keypass", "server-pw");
        keytool("-exportcert", "-rfc", "-alias", "registry", "-keystore", server.toString(), "-storepass", "server-pw", "-file", ca.toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", ca.toString(), "-keystore", trust.toString(), "-storetype", "PKCS12",
                "-storepass", "trust-pw");
        Path trustPassword = Files.writeString(dir.resolve("trust-password"), "trust-pw");
        int httpsPort = LocalRegistry.freePort();
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("tls"), Map.of(
                "quarkus.http.ssl-port", Integer.toString(httpsPort),
                "quarkus.http.ssl.certificate.key-store-file", server.toString(),
                "quarkus.http.ssl.certificate.key-store-password", "server-pw"))) {
            String https = "https://127.0.0.1:" + httpsPort + "/apis/ccompat/v7";
            PipelineConfig pkcs12 = load("{ url: \"%s\", truststore: \"%s\", truststore-password: \"${file:%s}\" }"
                    .formatted(https, trust, trustPassword), Map.of());
            assertEquals(java.util.List.of(), preflight(pkcs12));
            String subject = "tls-" + UUID.randomUUID() + "-value";
            int id = pkcs12.registry().client().register(subject, v1("Tls"));
            PipelineConfig pem = load("{ url: \"%s\", truststore: \"%s\" }".formatted(https, ca), Map.of());
            assertEquals(v1("Tls"), pem.registry().client().schemaById(id), "PEM certificates serve as a truststore too");

            String untrusted = String.join("\n", preflight(load("{ url: \"%s\" }".formatted(https), Map.of())));
            assertTrue(untrusted.contains("registry.url") && untrusted.contains("truststore"), untrusted);
            String wrongPassword = String.join("\n", preflight(load("{ url: \"%s\", truststore: \"%s\", truststore-password: nope }"
                    .formatted(https, trust), Map.of())));
            assertTrue(wrongPassword.contains("registry.truststore"), wrongPassword);
        }
    }

    private static void keytool(String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "keytool " + String.join(" ", args) + ": " + out);
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static byte[] unsigned(java.math.BigInteger i) {
        byte[] b = i.toByteArray();
        return b[0] == 0 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
    }

    private static String jwks(RSAPublicKey k) {
        return "{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS256\",\"use\":\"sig\",\"kid\":\"k1\",\"n\":\"" + b64(unsigned(k.getModulus()))
                + "\",\"e\":\"" + b64(unsigned(k.getPublicExponent())) + "\"}]}";
    }

    private static String jwt(PrivateKey key) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String header = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64(("{\"sub\":\"tributary\",\"preferred_username\":\"tributary\",\"iss\":\"test\",\"iat\":" + now + ",\"exp\":" + (now + 600) + "}")
                .getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update((header + "." + claims).getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + "." + b64(s.sign());
    }
}
