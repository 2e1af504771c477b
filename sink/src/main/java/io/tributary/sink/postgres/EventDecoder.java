package io.tributary.sink.postgres;

import io.tributary.schemas.kafka.ChangeEventReader;
import io.tributary.schemas.registry.SchemaRegistryClient;

/** Turns a record's key and value bytes (Confluent wire format) into a {@link SinkEvent}, through the contract's reader. */
final class EventDecoder implements ParkedEvents.Decoder {
    private final ChangeEventReader reader;

    EventDecoder(SchemaRegistryClient registry) {
        this.reader = new ChangeEventReader(registry);
    }

    @Override
    public SinkEvent decode(String topic, int partition, long offset, byte[] key, byte[] value, Long parkedId) {
        return new SinkEvent(reader.read(topic, key, value), topic, partition, offset, key, value, parkedId);
    }
}
