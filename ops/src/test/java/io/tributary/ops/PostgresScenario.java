package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.kafka.ChangeEventReader;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One PostgreSQL source database replicated to one service's database, for end-to-end tests: fresh
 * databases, a unique source name (so its topics and slot are its own), the pipeline file and its checks.
 */
final class PostgresScenario {
    final Path file;
    final String source;
    final String sourceUrl;
    final String targetUrl;
    PipelineConfig config;

    PostgresScenario(Path dir, String prefix) throws Exception {
        this.file = dir.resolve("pipeline.yaml");
        this.source = prefix + Long.toHexString(System.nanoTime());
        dropSlotsOf("it_" + prefix + "_src");
        this.sourceUrl = TestServers.newDatabase("it_" + prefix + "_src");
        this.targetUrl = TestServers.newDatabase("it_" + prefix + "_dst");
    }

    /** (Re)writes the pipeline file: the source captures {@code public.<table>} of each table, one service owns them all. */
    void pipeline(String... tables) throws Exception {
        pipelineWith("", tables);
    }

    /** As {@link #pipeline}, {@code serviceYaml} added to the service (its {@code options:}, indented by four spaces). */
    void pipelineWith(String serviceYaml, String... tables) throws Exception {
        String captured = Arrays.stream(tables).map(t -> "public." + t).collect(Collectors.joining(", "));
        String owned = Arrays.stream(tables).map(t -> source + ".public." + t).collect(Collectors.joining(", "));
        Files.writeString(file, """
                kafka: { bootstrap: "%s" }
                registry: { url: "%s" }
                sources:
                  - name: %s
                    postgres: { url: "%s", user: postgres, slot: %s, publication: %s }
                    tables: [%s]
                services:
                  - name: %s-svc
                    target: { url: "%s", user: postgres }
                    tables: [%s]
                %s""".formatted(TestServers.kafkaBootstrap(), TestServers.registryUrl(), source, sourceUrl, source, source, captured,
                source, targetUrl, owned, serviceYaml));
        this.config = PipelineConfigLoader.load(file, Map.of());
    }

    /** Waits until reconcile finds every table equal to its source (rows and a checksum over every column). */
    void awaitMatch(PipelineRunner runner) throws Exception {
        List<io.tributary.ops.reconcile.TableReport> last = runner.awaitMatch(config, Duration.ofSeconds(180));
        assertTrue(last.stream().allMatch(io.tributary.ops.reconcile.TableReport::matches), "target did not match the source within 180 s: " + last);
    }

    /** Every change event of {@code topic} (one partition), in order (tombstones left out). */
    static List<ChangeEvent> events(String topic) {
        ChangeEventReader reader = new ChangeEventReader(new SchemaRegistryClient(TestServers.registryUrl()));
        List<ChangeEvent> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap(),
                "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (!ChangeEventReader.isTombstone(r.value())) {
                        out.add(reader.read(topic, r.key(), r.value()));
                    }
                }
            }
        }
        return out;
    }

    static void sql(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The single value {@code sql} returns (null when it returns no row). */
    static String value(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The rows of {@code table} in the target, or -1 while it does not exist. */
    long targetCount(String table) throws Exception {
        String exists = value(targetUrl, "SELECT to_regclass('" + table + "') IS NOT NULL");
        return "t".equals(exists) ? Long.parseLong(value(targetUrl, "SELECT count(*) FROM " + table)) : -1;
    }

    /** The generation the sink applied for {@code table} (its floor), or null before any. */
    Long appliedGeneration(String table) throws Exception {
        String exists = value(targetUrl, "SELECT to_regclass('" + Bookkeeping.FLOOR + "') IS NOT NULL");
        String g = "t".equals(exists) ? value(targetUrl, "SELECT generation FROM " + Bookkeeping.FLOOR + " WHERE table_name = '" + table + "'") : null;
        return g == null || Long.parseLong(g) < 0 ? null : Long.parseLong(g);
    }

    /** Polls {@code condition} every 50 ms until it holds, at most {@code timeout}; fails naming {@code what}. */
    static void await(Callable<Boolean> condition, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Boolean.TRUE.equals(condition.call())) {
            assertTrue(System.nanoTime() < deadline, "not within " + timeout.toSeconds() + " s: " + what);
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    /** Drops the replication slots a previous run left on database {@code db} (they would keep it from being dropped). */
    private static void dropSlotsOf(String db) throws Exception {
        sql(TestServers.postgresUrl(), "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '" + db + "' AND NOT active");
    }
}
