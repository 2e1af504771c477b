package io.tributary.common.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.testkit.LocalKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;

/**
 * {@code kafka.properties} passed through to every client (issue 10, item 14), against a real broker whose
 * listener requires SASL/PLAIN: with the right credentials (the password from a ${file:} secret) topics are
 * created and records go through; with a wrong password the start-up check names the setting to fix and
 * never prints the password.
 */
class KafkaSaslIT {
    private static LocalKafka broker;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("tributary-sasl-");
        broker = LocalKafka.startSasl(dir.resolve("kafka"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static PipelineConfig load(String passwordRef, Map<String, String> env) throws Exception {
        return PipelineConfigLoader.parse("""
                kafka:
                  bootstrap: "%s"
                  properties:
                    security.protocol: SASL_PLAINTEXT
                    sasl.mechanism: PLAIN
                    sasl.jaas.config: 'org.apache.kafka.common.security.plain.PlainLoginModule required username="%s" password="%s";'
                registry: { url: "http://127.0.0.1:9" }
                sources: [ { name: src, sqlite: { path: /nonexistent.db }, tables: [t] } ]
                services: [ { name: svc, target: { url: "jdbc:postgresql://127.0.0.1:9/x", user: u }, tables: [src.main.t] } ]
                """.formatted(broker.bootstrapServers(), LocalKafka.SASL_USER, passwordRef), "test", env);
    }

    @Test
    void theRightCredentialsFromASecretFileCreateTopicsAndCarryRecords() throws Exception {
        Path secret = Files.writeString(dir.resolve("kafka-password"), LocalKafka.SASL_PASSWORD + "\n");
        PipelineConfig config = load("${file:" + secret + "}", Map.of());
        Preflight preflight = new Preflight();
        preflight.kafka(config.kafka().bootstrap(), config.kafka().properties());
        assertEquals(List.of(), preflight.problems());

        String topic = "sasl-roundtrip";
        KafkaSetup.ensureTopics(config.kafka(), List.of(topic));
        Map<String, Object> producerProps = KafkaSetup.producer(config.kafka());
        try (var producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", "over SASL")).get();
        }
        Map<String, Object> consumerProps = KafkaSetup.base(config.kafka());
        consumerProps.put("group.id", "sasl-reader");
        consumerProps.put("auto.offset.reset", "earliest");
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
                return !got.isEmpty();
            });
        }
        assertEquals("over SASL", got.get(0).value());
    }

    @Test
    void aWrongPasswordIsAProblemNamingTheSettingWithoutPrintingIt() throws Exception {
        String wrong = "not-" + LocalKafka.SASL_PASSWORD;
        PipelineConfig config = load("${KAFKA_PASSWORD}", Map.of("KAFKA_PASSWORD", wrong));
        Preflight preflight = new Preflight();
        preflight.kafka(config.kafka().bootstrap(), config.kafka().properties());
        String problems = preflight.problems().toString();
        assertEquals(1, preflight.problems().size(), problems);
        assertTrue(problems.contains("kafka.properties.sasl.jaas.config") && problems.contains("refused the credentials"), problems);
        assertFalse(problems.contains(wrong), problems);

        // and a client without the SASL settings is told the broker's listener wants another protocol
        Preflight plain = new Preflight();
        plain.kafka(config.kafka().bootstrap(), Map.of());
        assertEquals(1, plain.problems().size(), plain.problems().toString());
    }
}
