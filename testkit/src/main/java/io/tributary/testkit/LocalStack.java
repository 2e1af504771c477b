package io.tributary.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three real servers Tributary needs, started locally: Kafka (in this JVM), the schema registry (a child
 * process) and PostgreSQL (a child process). Used by the demo, {@code bin/tributary local up} and the tests.
 * Registry and PostgreSQL start in parallel with Kafka, since the registry alone takes about 18 s.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);
    private final LocalKafka kafka;
    private final LocalRegistry registry;
    private final LocalPostgres postgres;

    private LocalStack(LocalKafka kafka, LocalRegistry registry, LocalPostgres postgres) {
        this.kafka = kafka;
        this.registry = registry;
        this.postgres = postgres;
    }

    public static LocalStack start(Path baseDir) throws Exception {
        Files.createDirectories(baseDir);
        long t0 = System.nanoTime();
        var registryFuture = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return LocalRegistry.start(baseDir.resolve("registry"));
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        LocalPostgres pg = null;
        LocalKafka kafka = null;
        try {
            pg = LocalPostgres.start(baseDir.resolve("postgres"));
            kafka = LocalKafka.start(baseDir.resolve("kafka"));
            LocalRegistry registry = registryFuture.join();
            log.info("local servers up seconds={} kafka={} registry={} postgres_port={}",
                    (System.nanoTime() - t0) / 1_000_000_000.0, kafka.bootstrapServers(), registry.url(), pg.port());
            return new LocalStack(kafka, registry, pg);
        } catch (Exception e) {
            registryFuture.thenAccept(LocalRegistry::close);
            if (kafka != null) kafka.close();
            if (pg != null) pg.close();
            throw e;
        }
    }

    public String kafkaBootstrap() {
        return kafka.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    /** JDBC URL of a superuser on the {@code postgres} database; he may create databases. */
    public String postgresUrl() {
        return postgres.jdbcUrl("postgres");
    }

    /** The registry's process id: benchmarks read its CPU time. */
    public long registryPid() {
        return registry.pid();
    }

    /** The PostgreSQL server's postmaster process id (its backends are its children): benchmarks read their CPU time. */
    public long postgresPid() throws java.io.IOException {
        return postgres.pid();
    }

    /** The {@code KEY=value} lines {@code bin/tributary local up} prints. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TRIBUTARY_KAFKA", kafkaBootstrap());
        env.put("TRIBUTARY_REGISTRY", registryUrl());
        env.put("TRIBUTARY_PG_URL", postgresUrl());
        return env;
    }

    @Override
    public void close() throws Exception {
        registry.close();
        kafka.close();
        postgres.close();
    }
}
