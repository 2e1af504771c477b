package io.tributary.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.testkit.TestServers;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/** The registry client and the wire format against a real registry (Apicurio's Confluent API) and broker. */
class SchemaRegistryClientIT {
    private final SchemaRegistryClient client = new SchemaRegistryClient(TestServers.registryUrl());

    private static Schema v1(String name) {
        return SchemaBuilder.record(name).namespace("test").fields().requiredLong("id").requiredString("name").endRecord();
    }

    @Test
    void registersLooksUpByIdAndIsIdempotent() {
        String subject = "reg-" + UUID.randomUUID() + "-value";
        Schema schema = v1("Reg");
        int id = client.register(subject, schema);
        assertEquals(id, client.register(subject, schema));
        SchemaRegistryClient fresh = new SchemaRegistryClient(TestServers.registryUrl());
        assertEquals(schema, fresh.schemaById(id));
        assertEquals(id, fresh.register(subject, schema), "a second client gets the same id from the server");
    }

    @Test
    void compatibilityIsCheckedAndEnforced() {
        String subject = "compat-" + UUID.randomUUID() + "-value";
        client.register(subject, v1("Compat"));
        client.setCompatibility(subject, "BACKWARD");
        assertEquals("BACKWARD", client.compatibility(subject));
        Schema addsOptional = SchemaBuilder.record("Compat").namespace("test").fields()
                .requiredLong("id").requiredString("name").optionalString("note").endRecord();
        Schema addsRequired = SchemaBuilder.record("Compat").namespace("test").fields()
                .requiredLong("id").requiredString("name").requiredString("must").endRecord();
        assertTrue(client.isCompatible(subject, addsOptional));
        assertFalse(client.isCompatible(subject, addsRequired));
        RegistryException e = assertThrows(RegistryException.class, () -> client.register(subject, addsRequired));
        assertEquals(409, e.status());
        assertFalse(e.retriable());
        assertNotEquals(client.register(subject, v1("Compat")), client.register(subject, addsOptional));
    }

    @Test
    void theConfiguredLevelIsSetOnEachSubjectBeforeItsFirstVersion() {
        SchemaRegistryClient withLevel = new SchemaRegistryClient(TestServers.registryUrl(),
                new SchemaRegistryClient.Settings(null, null, null, null, null, "FULL_TRANSITIVE"));
        String subject = "level-" + UUID.randomUUID() + "-value";
        withLevel.register(subject, v1("Level"));
        assertEquals("FULL_TRANSITIVE", client.compatibility(subject), "the subject's own level reads back");
        Schema addsRequired = SchemaBuilder.record("Level").namespace("test").fields()
                .requiredLong("id").requiredString("name").requiredString("must").endRecord();
        RegistryException e = assertThrows(RegistryException.class, () -> withLevel.register(subject, addsRequired));
        assertEquals(409, e.status());
        assertTrue(e.getMessage().contains(subject) && e.getMessage().contains("registry.compatibility"), e.getMessage());

        // without a level the registry's own rules: Apicurio's global default takes the same change
        String unset = "nolevel-" + UUID.randomUUID() + "-value";
        client.register(unset, v1("Level"));
        assertNotEquals(client.register(unset, v1("Level")), client.register(unset, addsRequired));
    }

    @Test
    void unknownIdIsAClearError() {
        RegistryException e = assertThrows(RegistryException.class, () -> client.schemaById(987_654_321));
        assertEquals(404, e.status());
        assertTrue(e.getMessage().contains("987654321"), e.getMessage());
    }

    @Test
    void wireFormatRoundTripsThroughARealBroker() {
        String topic = "wire-" + UUID.randomUUID();
        Schema schema = v1("Wire");
        AvroSerde serde = new AvroSerde(client, false);
        GenericRecord rec = new GenericData.Record(schema);
        rec.put("id", Long.MIN_VALUE);
        rec.put("name", "naïve ✓");
        byte[] bytes = serde.serialize(topic, rec);
        assertEquals(0, bytes[0]);
        assertEquals(client.register(topic + "-value", schema), ByteBuffer.wrap(bytes, 1, 4).getInt());
        assertNull(serde.serialize(topic, null), "null record is a tombstone");

        TestServers.createTopics(topic);
        Map<String, Object> common = Map.of("bootstrap.servers", TestServers.kafkaBootstrap());
        try (var producer = new KafkaProducer<byte[], GenericRecord>(common, new org.apache.kafka.common.serialization.ByteArraySerializer(), serde)) {
            producer.send(new ProducerRecord<>(topic, null, rec)).get();
            producer.send(new ProducerRecord<>(topic, null, null)).get();
        } catch (Exception e) {
            throw new AssertionError("producing to the real broker failed", e);
        }
        List<GenericRecord> got = new ArrayList<>();
        Map<String, Object> cc = Map.of("bootstrap.servers", TestServers.kafkaBootstrap(), "group.id", "g-" + topic, "auto.offset.reset", "earliest");
        try (var consumer = new KafkaConsumer<byte[], GenericRecord>(cc, new ByteArrayDeserializer(), new AvroSerde(new SchemaRegistryClient(TestServers.registryUrl()), false))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (got.size() < 2 && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], GenericRecord> r : consumer.poll(Duration.ofMillis(200))) {
                    got.add(r.value());
                }
            }
        }
        assertEquals(2, got.size());
        assertEquals(Long.MIN_VALUE, got.get(0).get("id"));
        assertEquals("naïve ✓", got.get(0).get("name").toString());
        assertNull(got.get(1));
    }

    @Test
    void aRecordReadIsWrittenBackAsItsBytesUnderTheNewSubjectsIdUntilItIsChanged() {
        String in = "wire-in-" + UUID.randomUUID();
        String out = "wire-out-" + UUID.randomUUID();
        Schema schema = v1("Pass");
        AvroSerde serde = new AvroSerde(client, false);
        GenericRecord rec = new GenericData.Record(schema);
        rec.put("id", 42L);
        rec.put("name", "unchanged");
        byte[] read = serde.serialize(in, rec);
        GenericRecord got = serde.deserialize(in, read);

        byte[] written = serde.serialize(out, got);
        assertEquals(client.register(out + "-value", schema), ByteBuffer.wrap(written, 1, 4).getInt(), "the id of the subject written to");
        assertArrayEquals(java.util.Arrays.copyOfRange(read, 5, read.length), java.util.Arrays.copyOfRange(written, 5, written.length));
        assertEquals(rec, serde.deserialize(out, written));

        got.put("name", "changed");
        assertEquals("changed", serde.deserialize(out, serde.serialize(out, got)).get("name").toString(), "a changed record is encoded again");
    }

    @Test
    void refusesBytesNotInTheWireFormat() {
        AvroSerde serde = new AvroSerde(client, false);
        SerializationException e = assertThrows(SerializationException.class, () -> serde.deserialize("t", new byte[] {1, 2, 3}));
        assertTrue(e.getMessage().contains("wire format"), e.getMessage());
    }
}
