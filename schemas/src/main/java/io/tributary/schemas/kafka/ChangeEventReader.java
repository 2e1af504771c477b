package io.tributary.schemas.kafka;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.EnvelopeReader;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Reads the records of a per-table or per-service topic (Confluent wire format, key and value bytes as a
 * {@code ByteArrayDeserializer} hands them) into {@link ChangeEvent}s. This is how the transform, the sink
 * and service teams read the topics; see docs/consuming.md.
 *
 * <p>A delete is followed by a tombstone (same key, null value) so that compaction can drop the key: skip
 * records with a null value ({@link #isTombstone}). Thread-safe; schemas are fetched from the registry once
 * per id, and a reader is prepared once per pair of key and envelope schema ids ({@link EnvelopeReader}: no
 * generic records; envelopes of another shape are decoded the generic way). A registry that cannot be reached
 * surfaces as a {@link io.tributary.schemas.registry.RegistryException}; a record that is not an envelope as an
 * {@link IllegalArgumentException} or Kafka's {@code SerializationException}.
 */
public final class ChangeEventReader {
    private final SchemaRegistryClient registry;
    private final AvroSerde keys;
    private final AvroSerde values;
    private final Map<Long, Optional<EnvelopeReader>> prepared = new ConcurrentHashMap<>();

    public ChangeEventReader(SchemaRegistryClient registry) {
        this.registry = registry;
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
        if (key == null) {
            return Envelope.read(keys.deserialize(topic, key), values.deserialize(topic, value)); // fails as it always did
        }
        int keyId = AvroSerde.schemaId(topic, key);
        int valueId = AvroSerde.schemaId(topic, value);
        Optional<EnvelopeReader> reader = prepared.computeIfAbsent(((long) keyId << 32) | (valueId & 0xffffffffL),
                k -> EnvelopeReader.of(registry.schemaById(valueId), registry.schemaById(keyId)));
        if (reader.isEmpty()) {
            return Envelope.read(keys.deserialize(topic, key), values.deserialize(topic, value));
        }
        try {
            return reader.get().read(key, value);
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException bad) {
                throw bad;
            }
            throw new SerializationException("cannot decode a record with schema ids " + keyId + " (key), " + valueId
                    + " (value) on topic " + topic + ": " + e.getMessage(), e);
        }
    }
}
