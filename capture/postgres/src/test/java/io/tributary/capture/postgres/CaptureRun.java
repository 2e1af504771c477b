package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.kafka.ChangeEventReader;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;

/**
 * One capture-postgres deployable ({@link PostgresCaptureApp#run}, preflight included) on a fresh source
 * database of the test PostgreSQL, with a unique source name so that its slot and topics are its own, and a
 * service that owns the tables only because a pipeline file needs one (no sink runs), and a reader of its per-table topics through the registry, as a service would read them.
 */
final class CaptureRun implements AutoCloseable {
    final String source;
    final String url;
    final Path file;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicInteger exit = new AtomicInteger(-1);
    private Thread thread;
    final SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());

    CaptureRun(Path dir, String prefix) throws Exception {
        this.source = prefix + Long.toHexString(System.nanoTime());
        this.url = freshDatabase(prefix);
        this.file = dir.resolve("pipeline.yaml");
    }

    /** A capture of an existing database of another server ({@code url}, a superuser's). */
    CaptureRun(Path dir, String prefix, String url) {
        this.source = prefix + Long.toHexString(System.nanoTime());
        this.url = url;
        this.file = dir.resolve("pipeline.yaml");
    }

    /** A new, empty database {@code it_<prefix>} on the test server, the slots a previous run left on it dropped first. */
    static String freshDatabase(String prefix) throws Exception {
        String db = "it_" + prefix;
        sql(TestServers.postgresUrl(), "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '" + db + "' AND NOT active");
        return TestServers.newDatabase(db);
    }

    /** Writes the pipeline file: the source captures {@code public.<table>} of each table; {@code extra} goes into the source's {@code postgres:} mapping. */
    CaptureRun pipelineWith(String extra, String... tables) throws Exception {
        String captured = Arrays.stream(tables).map(t -> "public." + t).collect(Collectors.joining(", "));
        String owned = Arrays.stream(tables).map(t -> source + ".public." + t).collect(Collectors.joining(", "));
        Files.writeString(file, """
                kafka: { bootstrap: "%s"%s }
                registry: { url: "%s" }
                sources:
                  - name: %s
                    postgres: { url: "%s", user: postgres, slot: %s, publication: %s%s }
                    tables: [%s]
                services:
                  - name: %s-svc
                    target: { url: "%s", user: postgres }
                    tables: [%s]
                """.formatted(TestServers.kafkaBootstrap(), kafkaProperties.isEmpty() ? "" : ", properties: { " + kafkaProperties + " }", registryUrl, source, url, source, source,
                extra.isEmpty() ? "" : ", " + extra, captured, source, url, owned) + (httpPort == 0 ? "" : "http: { bind: 127.0.0.1, capture-postgres: " + httpPort + " }\n"));
        return this;
    }

    CaptureRun pipeline(String... tables) throws Exception {
        return pipelineWith("", tables);
    }

    private String kafkaProperties = "";
    private String registryUrl = TestServers.registryUrl();
    private int httpPort;

    /** The registry URL the capture is given in the next {@link #pipeline} (a relay in front of the test registry); readers here use the real one. */
    CaptureRun registryUrl(String url) {
        this.registryUrl = url;
        return this;
    }

    /** Serves the capture's /metrics on {@code port} (127.0.0.1), from the next {@link #pipeline} on. */
    CaptureRun httpPort(int port) {
        this.httpPort = port;
        return this;
    }

    /** {@code kafka.properties} of the pipeline file (YAML mapping entries), for the next {@link #pipeline}. */
    CaptureRun kafkaProperties(String entries) {
        this.kafkaProperties = entries;
        return this;
    }

    /** Starts the deployable on a thread of its own. */
    CaptureRun start() {
        thread = new Thread(() -> exit.set(PostgresCaptureApp.run(new String[] {"--config", file.toString()}, stop)), "capture-run-" + source);
        thread.start();
        return this;
    }

    /** The deployable's exit code, or -1 while it runs. */
    int exitCode() {
        return exit.get();
    }

    /** Every change event on {@code public.<table>}'s topic until {@code done} holds for the list read so far (bounded). */
    List<ChangeEvent> read(String table, Duration timeout, java.util.function.Predicate<List<ChangeEvent>> done) {
        String topic = source + ".public." + table;
        ChangeEventReader reader = new ChangeEventReader(registry);
        List<ChangeEvent> events = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap(),
                "group.id", "it-" + topic + "-" + System.nanoTime(), "auto.offset.reset", "earliest", "enable.auto.commit", "false"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            Awaitility.await(topic).atMost(timeout).pollInterval(Duration.ZERO).until(() -> {
                assertEquals(-1, exit.get(), "capture-postgres exited");
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (!ChangeEventReader.isTombstone(r.value())) {
                        events.add(reader.read(topic, r.key(), r.value()));
                    }
                }
                return done.test(events);
            });
        }
        return events;
    }

    static void sql(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    void sql(String sql) throws Exception {
        sql(url, sql);
    }

    @Override
    public void close() throws Exception {
        stop.countDown();
        if (thread != null) {
            thread.join(Duration.ofSeconds(90).toMillis());
        }
    }
}
