package io.tributary.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.ConfigProblem;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.common.config.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transform's Kafka Streams state directory: under the pipeline file's {@code state.dir} (default {@code ./data}),
 * never {@code java.io.tmpdir}; one per instance on a host; checked at start.
 */
class StateDirTest {
    @TempDir
    Path tmp;

    private static final PipelineConfig.Service SVC = new PipelineConfig.Service("svc", "g",
            new PipelineConfig.Database("jdbc:postgresql://t/db", "u", Secret.NONE), List.of(), Map.of(), Duration.ofMinutes(10));

    private static PipelineConfig config(int transformPort, Path stateDir) {
        return new PipelineConfig(new PipelineConfig.Kafka("k:9092", 1, 4, Map.of()), new PipelineConfig.Registry("http://r:8081", null),
                List.of(), List.of(SVC), Map.of("transform", transformPort), PipelineConfig.ALL_INTERFACES, stateDir);
    }

    private static String stateDir(PipelineConfig c) {
        return TransformApp.streamsConfig(c, c.services().get(0)).getProperty(StreamsConfig.STATE_DIR_CONFIG);
    }

    @Test
    void instancesWithTheirOwnPortsGetTheirOwnStateDirectories() {
        String dirA = stateDir(config(9403, PipelineConfig.DEFAULT_STATE_DIR));
        String dirB = stateDir(config(9413, PipelineConfig.DEFAULT_STATE_DIR));
        assertNotEquals(dirA, dirB, "a second instance on the host would fail: state directory already locked");
        assertEquals(Path.of("data", "transform", "svc-9403").toString(), dirA, "under ./data by default, not java.io.tmpdir");
        assertEquals(Path.of("data", "transform", "svc").toString(), stateDir(config(0, PipelineConfig.DEFAULT_STATE_DIR)));
    }

    @Test
    void thePipelineFileNamesTheStateDirectory() throws Exception {
        Path file = tmp.resolve("pipeline.yaml");
        Files.writeString(file, """
                kafka: { bootstrap: "k:9092" }
                registry: { url: "http://r:8081" }
                sources:
                  - name: app
                    sqlite: { path: "/x/app.db" }
                    tables: [orders]
                services:
                  - name: billing
                    target: { url: "jdbc:postgresql://t/db", user: u }
                    tables: [app.main.orders]
                state: { dir: /var/lib/tributary }
                """);
        PipelineConfig c = PipelineConfigLoader.load(file, Map.of());
        assertEquals(Path.of("/var/lib/tributary"), c.stateDir());
        assertEquals(Path.of("/var/lib/tributary", "transform", "billing").toString(), stateDir(c));
        Files.writeString(file, Files.readString(file).replace("state: { dir: /var/lib/tributary }\n", ""));
        assertEquals(PipelineConfig.DEFAULT_STATE_DIR, PipelineConfigLoader.load(file, Map.of()).stateDir(), "the default");
    }

    @Test
    void aStateDirectoryThatCannotBeMadeIsAStartUpProblemNamingThePath() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-directory"), "x");
        Preflight preflight = new Preflight();
        TransformApp.checkStateDirs(config(0, file), List.of(SVC), preflight);
        assertEquals(1, preflight.problems().size(), preflight.problems().toString());
        ConfigProblem p = preflight.problems().get(0);
        assertEquals("state.dir", p.key());
        assertTrue(p.message().contains(file.resolve("transform").resolve("svc").toAbsolutePath().toString()), p.message());
        assertTrue(p.hint().contains("set state.dir"), p.hint());

        Preflight fine = new Preflight();
        TransformApp.checkStateDirs(config(0, tmp.resolve("state")), List.of(SVC), fine);
        assertEquals(List.of(), fine.problems());
        assertTrue(Files.isDirectory(tmp.resolve("state").resolve("transform").resolve("svc")), "made at start");
    }
}
