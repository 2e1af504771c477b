package io.tributary.testkit;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Testcontainers versions of the test servers, used only when a Docker engine answers. Containers are
 * reaped by Testcontainers' Ryuk when the JVM exits.
 */
final class DockerServers {
    private static Boolean available;

    private DockerServers() {
    }

    static synchronized boolean available() {
        if (available == null) {
            boolean yes;
            try {
                yes = DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException | LinkageError e) {
                yes = false;
            }
            available = yes;
        }
        return available;
    }

    static String kafka() {
        KafkaContainer k = new KafkaContainer("apache/kafka:4.3.1");
        k.start();
        return k.getBootstrapServers();
    }

    static String registry() {
        GenericContainer<?> r = new GenericContainer<>("apicurio/apicurio-registry:3.0.9")
                .withExposedPorts(8080)
                .waitingFor(Wait.forHttp("/apis/ccompat/v7/subjects").forStatusCode(200));
        r.start();
        return "http://" + r.getHost() + ":" + r.getMappedPort(8080) + "/apis/ccompat/v7";
    }

    static String postgres() {
        PostgreSQLContainer<?> p = new PostgreSQLContainer<>("postgres:15")
                .withUsername("postgres").withPassword("postgres")
                .withCommand("postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=20", "-c", "fsync=off");
        p.start();
        return p.getJdbcUrl() + (p.getJdbcUrl().contains("?") ? "&" : "?") + "user=postgres&password=postgres";
    }
}
