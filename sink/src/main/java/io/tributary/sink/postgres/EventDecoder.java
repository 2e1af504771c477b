package io.tributary.sink.postgres;

import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/** Turns a record's key and value bytes (Confluent wire format) into a {@link SinkEvent}. */
final class EventDecoder implements BatchApplier.Decoder {
    private final AvroSerde keys;
    private final AvroSerde values;
    private final Map<Schema, TableSchema> shapes = new ConcurrentHashMap<>();

    EventDecoder(SchemaRegistryClient registry) {
        this.keys = new AvroSerde(registry, true);
        this.values = new AvroSerde(registry, false);
    }

    @Override
    public SinkEvent decode(String topic, int partition, long offset, byte[] key, byte[] value, Long parkedId) {
        GenericRecord k = keys.deserialize(topic, key);
        GenericRecord v = values.deserialize(topic, value);
        TableSchema table = shapes.computeIfAbsent(v.getSchema(), s -> Envelope.tableSchema(s, k.getSchema()));
        return new SinkEvent(table, Envelope.op(v), Envelope.image(v, "before"), Envelope.image(v, "after"), Envelope.unchanged(v),
                Envelope.position(v), Envelope.commitTsMs(v), topic, partition, offset, key, value, parkedId);
    }
}
