package io.tributary.ops;

import static io.tributary.ops.PostgresScenario.events;
import static io.tributary.ops.PostgresScenario.sql;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.testkit.TestServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The way back after a cutover, on real servers: the monolith's table carried to the service's database and,
 * at the same time, the service's table carried back into the monolith's. A write on either side arrives on
 * the other exactly once and does not come back (the sink marks its transactions, capture-postgres leaves
 * them out), counted on the topics as well as in the tables, and both ends stay equal.
 */
class WayBackIT {
    @TempDir
    Path dir;

    @Test
    void aWriteOnEitherSideArrivesOnTheOtherOnceAndNeverComesBack() throws Exception {
        PostgresScenario pg = new PostgresScenario(dir, "wayback");
        String monolith = pg.source;
        String service = pg.source + "svc";
        sql(pg.sourceUrl, "CREATE TABLE orders (id bigint PRIMARY KEY, v text NOT NULL); INSERT INTO orders SELECT g, 'm' FROM generate_series(1, 200) g");
        sql(pg.targetUrl, "CREATE TABLE orders (id bigint PRIMARY KEY, v text NOT NULL)"); // the service's migration
        Files.writeString(pg.file, """
                kafka: { bootstrap: "%s" }
                registry: { url: "%s" }
                sources:
                  - name: %s
                    postgres: { url: "%s", user: postgres, slot: %s, publication: %s }
                    tables: [public.orders]
                  - name: %s
                    postgres: { url: "%s", user: postgres, slot: %s, publication: %s }
                    tables: [public.orders]
                services:
                  - name: orders-svc
                    target: { url: "%s", user: postgres }
                    tables: [%s.public.orders]
                  - name: back-to-monolith
                    target: { url: "%s", user: postgres }
                    tables: [%s.public.orders]
                """.formatted(TestServers.kafkaBootstrap(), TestServers.registryUrl(), monolith, pg.sourceUrl, monolith, monolith,
                service, pg.targetUrl, service, service, pg.targetUrl, monolith, pg.sourceUrl, service));
        PipelineConfig config = PipelineConfigLoader.load(pg.file, Map.of());
        try (PipelineRunner runner = new PipelineRunner(pg.file)) {
            awaitBothEqual(runner, config);
            sql(pg.sourceUrl, "INSERT INTO orders VALUES (5000001, 'written in the monolith'); UPDATE orders SET v = 'monolith update' WHERE id = 3");
            sql(pg.targetUrl, "INSERT INTO orders VALUES (9000001, 'written in the service'); UPDATE orders SET v = 'service update' WHERE id = 4");
            awaitBothEqual(runner, config);
            // the fences: every capture has passed what both databases hold now, so an echo would be on the topics
            fence("orders-svc");
            fence("back-to-monolith");
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
        String forth = monolith + ".public.orders";
        String back = service + ".public.orders";
        assertEquals(1, count(forth, 5000001), "the monolith's insert went to the service once");
        assertEquals(0, count(back, 5000001), "and did not come back");
        assertEquals(1, count(back, 9000001), "the service's insert went to the monolith once");
        assertEquals(0, count(forth, 9000001), "and did not come back");
        assertEquals(2, count(forth, 3), "the snapshot read and the monolith's update of row 3");
        assertEquals(1, count(back, 4) - snapshotReads(back, 4), "the service's update of row 4, once");
        assertEquals(1, count(forth, 4), "row 4 only as the monolith's snapshot read it: the update applied there did not come back");
    }

    private static void awaitBothEqual(PipelineRunner runner, PipelineConfig config) throws Exception {
        List<TableReport> last = runner.awaitMatch(config, Duration.ofSeconds(180));
        assertTrue(last.stream().allMatch(TableReport::matches), "both ends did not become equal within 180 s: " + last);
    }

    private void fence(String service) {
        StringWriter out = new StringWriter();
        CommandLine cl = TributaryCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        int code = cl.execute("cutover", "--config", dir.resolve("pipeline.yaml").toString(), "--service", service, "--settle", "0",
                "--fence-timeout", "120s");
        assertEquals(0, code, out.toString());
    }

    private static long count(String topic, long id) {
        return events(topic).stream().filter(e -> id(e) == id).count();
    }

    private static long snapshotReads(String topic, long id) {
        return events(topic).stream().filter(e -> id(e) == id && e.isSnapshot()).count();
    }

    private static long id(ChangeEvent e) {
        Map<String, Object> row = e.after() != null ? e.after() : e.before();
        return ((Number) row.get("id")).longValue();
    }
}
