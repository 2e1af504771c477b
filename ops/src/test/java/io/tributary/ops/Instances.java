package io.tributary.ops;

import io.tributary.common.config.PipelineConfig;
import io.tributary.ops.reconcile.Reconciler;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the tests of several instances of the deployables (ScaleOutIT, CaptureStandbyIT) share: one instance
 * set's pipeline file, whether an instance is a standby, and whether the target matches its source.
 */
final class Instances {
    private Instances() {
    }

    /**
     * Writes {@code file}: the PostgreSQL source of {@code pg} capturing {@code public.<table>}, a service owning it,
     * {@code partitions} per topic, and this set of instances' own HTTP ports (capture, transform, sink). A killed
     * group member is noticed in seconds, not the default 45 s.
     */
    static Path pipeline(Path file, PostgresScenario pg, String table, int partitions, int capturePort, int transformPort, int sinkPort)
            throws Exception {
        Files.writeString(file, """
                kafka:
                  bootstrap: "%s"
                  partitions: %d
                  properties: { session.timeout.ms: "6000", heartbeat.interval.ms: "1500" }
                registry: { url: "%s" }
                http: { bind: 127.0.0.1, capture-postgres: %d, transform: %d, sink: %d }
                sources:
                  - name: %s
                    postgres: { url: "%s", user: postgres, slot: %s, publication: %s }
                    tables: [public.%s]
                services:
                  - name: %s-svc
                    target: { url: "%s", user: postgres }
                    tables: [%s.public.%s]
                """.formatted(TestServers.kafkaBootstrap(), partitions, TestServers.registryUrl(), capturePort, transformPort, sinkPort,
                pg.source, pg.sourceUrl, pg.source, pg.source, table, pg.source, pg.targetUrl, pg.source, table));
        return file;
    }

    /** The instance says it waits as a standby (its /status). */
    static boolean isStandby(ChildDeployable d) {
        String status = d.status();
        return status != null && status.contains("\"standby\":true");
    }

    /** Reconciles every table of {@code config} into {@code last}; whether all match. */
    static boolean matches(PipelineConfig config, List<TableReport> last) throws Exception {
        last.clear();
        last.addAll(Reconciler.reconcile(config));
        return last.stream().allMatch(TableReport::matches);
    }
}
