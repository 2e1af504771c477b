package io.tributary.schemas.kafka;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;

/**
 * Reads the records of a per-table or per-service topic (Confluent wire format, key and value bytes as a
 * {@code ByteArrayDeserializer} hands them) into {@link ChangeEvent}s. This is how the transform, the sink
 * and service teams read the topics; see docs/consuming.md.
 *
 * <p>A delete is followed by a tombstone (same key, null value) so that compaction can drop the key: skip
 * records with a null value ({@link #isTombstone}). Thread-safe; schemas are fetched from the registry once
 * per id. A registry that cannot be reached surfaces as a
 * {@link io.tributary.schemas.registry.RegistryException}; a record that is not an envelope as an
 * {@link IllegalArgumentException} or Kafka's {@code SerializationException}.
 */
public final class ChangeEventReader {
    private final AvroSerde keys;
    private final AvroSerde values;

    public ChangeEventReader(SchemaRegistryClient registry) {
        this.keys = new AvroSerde(registry, true);
        this.values = new AvroSerde(registry, false);
    }

    public static boolean isTombstone(byte[] value) {
        return value == null;
    }

    /** The change event of one record; {@code value} must not be a tombstone. */
    public ChangeEvent read(String topic, byte[] key, byte[] value) {
        if (isTombstone(value)) {
            throw new IllegalArgumentException("record on " + topic + " is a tombstone (null value): it carries no change event");
        }
        return Envelope.read(keys.deserialize(topic, key), values.deserialize(topic, value));
    }
}
