package io.tributary.schemas.registry;

import org.apache.kafka.common.serialization.Deserializer;

/**
 * Confluent wire bytes kept as bytes, for a reader that works on the Avro binary itself (the transform's fast
 * path): checks what {@link AvroSerde} checks before decoding, so that a record that is not in the wire format,
 * or whose schema id the registry does not answer for, fails in deserialization as it would there (a dead
 * letter, or a registry failure the stream thread is replaced for). A null payload (a tombstone) stays null.
 */
public final class WireBytes implements Deserializer<byte[]> {
    private final SchemaRegistryClient registry;

    public WireBytes(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    @Override
    public byte[] deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        registry.schemaById(AvroSerde.schemaId(topic, data)); // cached after the first record of each id
        return data;
    }
}
