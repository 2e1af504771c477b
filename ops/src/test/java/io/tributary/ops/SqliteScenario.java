package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** One SQLite table replicated to one service's database: the pipeline file and its checks, for end-to-end tests. */
final class SqliteScenario {
    final Path file;
    final String source;
    final PipelineConfig config;

    /** Writes {@code pipeline.yaml} in {@code dir}: source {@code <prefix><unique>} with {@code table} of {@code db}, service into {@code targetUrl}. */
    SqliteScenario(Path dir, String prefix, Path db, String table, String targetUrl) throws Exception {
        this(dir, prefix, db, table, targetUrl, "");
    }

    /** As above, {@code serviceYaml} added to the service (its {@code options:}, indented by four spaces). */
    SqliteScenario(Path dir, String prefix, Path db, String table, String targetUrl, String serviceYaml) throws Exception {
        this.file = dir.resolve("pipeline.yaml");
        this.source = prefix + Long.toHexString(System.nanoTime());
        Files.writeString(file, """
                kafka: { bootstrap: "%s" }
                registry: { url: "%s" }
                sources:
                  - name: %s
                    sqlite: { path: "%s", poll-interval: 20ms }
                    tables: [%s]
                services:
                  - name: %s-svc
                    target: { url: "%s", user: postgres }
                    tables: [%s.main.%s]
                %s""".formatted(TestServers.kafkaBootstrap(), TestServers.registryUrl(), source, db, table, source, targetUrl, source, table,
                serviceYaml));
        this.config = PipelineConfigLoader.load(file, Map.of());
    }

    /** Waits until reconcile finds the target equal to the source (rows and a checksum over every column). */
    void awaitMatch(PipelineRunner runner) throws Exception {
        List<TableReport> last = runner.awaitMatch(config, Duration.ofSeconds(120));
        assertTrue(last.stream().allMatch(TableReport::matches), "target did not match the source within 120 s: " + last);
    }
}
