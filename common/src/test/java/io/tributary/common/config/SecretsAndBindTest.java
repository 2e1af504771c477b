package io.tributary.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets read from files ({@code ${file:/path}}), never printed; the endpoints' bind address. */
class SecretsAndBindTest {
    @TempDir
    Path dir;

    private static String file(String password, String http) {
        return """
                kafka: { bootstrap: "k:9092" }
                registry: { url: "http://r:8081" }
                sources:
                  - name: monolith
                    postgres: { url: "jdbc:postgresql://db:5432/app", user: cdc, password: "%s" }
                    tables: [public.trades]
                services:
                  - name: svc
                    target: { url: "jdbc:postgresql://db2:5432/svc", user: svc }
                    tables: [monolith.public.trades]
                %s
                """.formatted(password, http);
    }

    @Test
    void aSecretComesFromAFileAndIsNeverPrinted() throws Exception {
        Path secret = dir.resolve("monolith-password");
        Files.writeString(secret, "p4ss${HOME}w0rd\n");
        PipelineConfig c = PipelineConfigLoader.parse(file("${file:" + secret + "}", ""), "test", java.util.Map.of("HOME", "/root"));
        assertEquals("p4ss${HOME}w0rd", c.source("monolith").orElseThrow().postgres().password().value(),
                "the file's text, trailing line break removed, its own ${...} not expanded");
        assertFalse(c.toString().contains("p4ss"), "no secret in the config's string form");
    }

    @Test
    void anUnreadableSecretFileIsAProblemNamingTheFileNotItsContent() {
        Path missing = dir.resolve("nope");
        ConfigException e = assertThrows(ConfigException.class,
                () -> PipelineConfigLoader.parse(file("${file:" + missing + "}", ""), "test", java.util.Map.of()));
        assertTrue(e.getMessage().contains("sources[monolith].postgres.password") && e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void endpointsBindEveryInterfaceUnlessTold() throws Exception {
        assertEquals("0.0.0.0", PipelineConfigLoader.parse(file("x", ""), "test", java.util.Map.of()).httpBind());
        assertEquals("127.0.0.1", PipelineConfigLoader.parse(file("x", "http: { bind: 127.0.0.1, sink: 9404 }"), "test", java.util.Map.of()).httpBind());
        ConfigException e = assertThrows(ConfigException.class,
                () -> PipelineConfigLoader.parse(file("x", "http: { bind: \"not an address\" }"), "test", java.util.Map.of()));
        assertTrue(e.getMessage().contains("http.bind"), e.getMessage());
    }
}
