package io.tributary.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real servers integration tests talk to, started once per test JVM and shared by all tests in it.
 * Each server is chosen in this order:
 * <ol>
 *   <li>named by an environment variable: {@code TRIBUTARY_TEST_KAFKA} (bootstrap servers),
 *       {@code TRIBUTARY_TEST_REGISTRY} (Confluent-compatible base URL), {@code TRIBUTARY_TEST_PG_URL}
 *       (JDBC URL of a superuser on a server with {@code wal_level=logical});</li>
 *   <li>a Testcontainers container when a Docker engine answers;</li>
 *   <li>otherwise started locally by {@link LocalKafka}, {@link LocalRegistry} and {@link LocalPostgres}.</li>
 * </ol>
 * Nothing here is a mock: every choice is a real server.
 */
public final class TestServers {
    private static final Logger log = LoggerFactory.getLogger(TestServers.class);
    private static final List<AutoCloseable> started = new ArrayList<>();
    private static String kafka;
    private static String registry;
    private static String postgres;

    private TestServers() {
    }

    public static synchronized String kafkaBootstrap() {
        if (kafka == null) {
            kafka = choose("TRIBUTARY_TEST_KAFKA", DockerServers::kafka, () -> {
                LocalKafka k = LocalKafka.start(workDir().resolve("kafka"));
                started.add(k);
                return k.bootstrapServers();
            });
        }
        return kafka;
    }

    public static synchronized String registryUrl() {
        if (registry == null) {
            registry = choose("TRIBUTARY_TEST_REGISTRY", DockerServers::registry, () -> {
                LocalRegistry r = LocalRegistry.start(workDir().resolve("registry"));
                started.add(r);
                return r.url();
            });
        }
        return registry;
    }

    /** JDBC URL of a superuser on the {@code postgres} database (user {@code postgres}, no password unless in the URL). */
    public static synchronized String postgresUrl() {
        if (postgres == null) {
            postgres = choose("TRIBUTARY_TEST_PG_URL", DockerServers::postgres, () -> {
                LocalPostgres p = LocalPostgres.start(workDir().resolve("postgres"));
                started.add(p);
                return p.jdbcUrl("postgres");
            });
        }
        return postgres;
    }

    private static String timescale;
    private static String timescaleScheduled;

    /**
     * JDBC URL of a superuser on a PostgreSQL with TimescaleDB whose background scheduler is off, so that
     * policies run only when a test runs them ({@code TRIBUTARY_TEST_TIMESCALE_URL}, or
     * {@link LocalTimescale}); empty, with {@link LocalTimescale#unavailableReason()}, when there is none.
     */
    public static synchronized java.util.Optional<String> timescaleUrl() {
        String fromEnv = System.getenv("TRIBUTARY_TEST_TIMESCALE_URL");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return java.util.Optional.of(fromEnv);
        }
        if (timescale == null && LocalTimescale.unavailableReason() == null) {
            timescale = startTimescale(LocalTimescale.Scheduler.OFF);
        }
        return java.util.Optional.ofNullable(timescale);
    }

    /**
     * Like {@link #timescaleUrl()}, but TimescaleDB's background scheduler runs the policies by itself
     * ({@code TRIBUTARY_TEST_TIMESCALE_SCHEDULER_URL}, or a second {@link LocalTimescale}).
     */
    public static synchronized java.util.Optional<String> timescaleWithSchedulerUrl() {
        String fromEnv = System.getenv("TRIBUTARY_TEST_TIMESCALE_SCHEDULER_URL");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return java.util.Optional.of(fromEnv);
        }
        if (timescaleScheduled == null && LocalTimescale.unavailableReason() == null) {
            timescaleScheduled = startTimescale(LocalTimescale.Scheduler.ON);
        }
        return java.util.Optional.ofNullable(timescaleScheduled);
    }

    private static String startTimescale(LocalTimescale.Scheduler scheduler) {
        try {
            LocalTimescale t = LocalTimescale.start(workDir().resolve("timescale"), scheduler);
            started.add(t);
            return t.jdbcUrl("postgres");
        } catch (Exception e) {
            throw new IllegalStateException("could not start PostgreSQL with TimescaleDB (scheduler " + scheduler + "): " + e.getMessage(), e);
        }
    }

    /** Creates a fresh database for one test and returns its superuser JDBC URL. */
    public static String newDatabase(String name) throws java.sql.SQLException {
        return newDatabase(postgresUrl(), name);
    }

    /** Creates a fresh database on the server of {@code url} and returns its superuser JDBC URL. */
    public static String newDatabase(String url, String name) throws java.sql.SQLException {
        try (var c = java.sql.DriverManager.getConnection(url, "postgres", "");
             var s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
            s.execute("CREATE DATABASE \"" + name + "\"");
        }
        return LocalPostgres.withDatabase(url, name);
    }

    /** Creates single-partition topics on the test broker (it does not create topics on first use). */
    public static void createTopics(String... names) {
        createTopics(1, names);
    }

    /** Creates topics of {@code partitions} partitions each on the test broker. */
    public static void createTopics(int partitions, String... names) {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(java.util.Map.of("bootstrap.servers", kafkaBootstrap()))) {
            admin.createTopics(java.util.Arrays.stream(names).map(n -> new org.apache.kafka.clients.admin.NewTopic(n, partitions, (short) 1)).toList())
                    .all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create test topics " + java.util.Arrays.toString(names) + ": " + e, e);
        }
    }

    /**
     * The end offset of partition 0 of {@code topic} on the test broker (its record count, while nothing is
     * deleted); 0 while the topic does not exist yet, e.g. before a capture has made it.
     */
    public static long endOffset(String topic) {
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(java.util.Map.<String, Object>of("bootstrap.servers", kafkaBootstrap()),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var partition = new org.apache.kafka.common.TopicPartition(topic, 0);
            return consumer.partitionsFor(topic, java.time.Duration.ofSeconds(10)).isEmpty() ? 0
                    : consumer.endOffsets(List.of(partition)).get(partition);
        } catch (org.apache.kafka.common.errors.TimeoutException | org.apache.kafka.common.errors.UnknownTopicOrPartitionException e) {
            return 0; // no such topic yet
        }
    }

    interface Starter {
        String start() throws Exception;
    }

    private static String choose(String envVar, Starter docker, Starter local) {
        String fromEnv = System.getenv(envVar);
        try {
            if (fromEnv != null && !fromEnv.isBlank()) {
                log.info("test server from environment variable={}", envVar);
                return fromEnv;
            }
            if (DockerServers.available()) {
                return docker.start();
            }
            return local.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the real server for " + envVar
                    + " (set it to use an existing server instead): " + e.getMessage(), e);
        }
    }

    private static Path workDir() throws java.io.IOException {
        Path dir = Files.createTempDirectory("tributary-test-");
        if (started.isEmpty()) {
            Runtime.getRuntime().addShutdownHook(new Thread(TestServers::stopAll, "tributary-test-servers-stop"));
        }
        return dir;
    }

    private static synchronized void stopAll() {
        for (AutoCloseable c : started) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("stopping test server failed server={} error={}", c.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
