package io.tributary.transform.route;

import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.transform.normalize.NormalizePlan;
import io.tributary.transform.normalize.Normalizer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.KeyValue;

/**
 * The route of a table that is only normalised (no store of full rows, no mapping: every SQLite table a service
 * takes as it is), on the records' bytes: the key leaves as it came with the service subject's schema id, the
 * envelope as its {@link NormalizePlan} (prepared once per key and envelope schema id) rewrites it, or, for a
 * table without columns to normalise, as it came too. Nothing is decoded into generic records: a profile of the
 * transform had a tenth of the stream thread in that, and for a converting table as much again in encoding.
 *
 * <p>An envelope shape the plan does not prepare takes the generic path ({@link Normalizer} on decoded
 * records), with the same result. A value that does not convert throws {@link IllegalArgumentException} as
 * {@link Normalizer} does, and the record goes to the dead-letter topic; a registry that fails throws its
 * {@link io.tributary.schemas.registry.RegistryException}, and the stream thread is replaced (TransformApp).
 */
final class WireRoute {
    private final SchemaRegistryClient registry;
    private final TableRef table;
    private final String out;
    private final ServiceTopology.Observer observer;
    private final AvroSerde keys;
    private final AvroSerde values;
    private final Normalizer normalizer = new Normalizer();
    private final Map<Integer, Integer> keyIds = new ConcurrentHashMap<>();
    /** Per (key schema id, envelope schema id): the plan and its output's id, or no plan (the generic path). */
    private final Map<Long, Prepared> prepared = new ConcurrentHashMap<>();

    private record Prepared(Optional<NormalizePlan> plan, int outputId) {
    }

    WireRoute(SchemaRegistryClient registry, TableRef table, String out, ServiceTopology.Observer observer) {
        this.registry = registry;
        this.table = table;
        this.out = out;
        this.observer = observer;
        this.keys = new AvroSerde(registry, true);
        this.values = new AvroSerde(registry, false);
    }

    /** The service topic's record of one record of the table's topic (a tombstone stays one). */
    KeyValue<byte[], byte[]> route(byte[] key, byte[] value) {
        int keyId = AvroSerde.schemaId(table.topic(), key);
        byte[] outKey = AvroSerde.withSchemaId(key, keyIds.computeIfAbsent(keyId,
                id -> registry.register(out + "-key", registry.schemaById(id))));
        if (value == null) {
            return KeyValue.pair(outKey, null);
        }
        int valueId = AvroSerde.schemaId(table.topic(), value);
        Prepared p = prepared.computeIfAbsent(((long) keyId << 32) | (valueId & 0xffffffffL), k -> prepare(keyId, valueId));
        if (p.plan().isEmpty()) {
            GenericRecord envelope = normalizer.normalize(keys.deserialize(table.topic(), key), values.deserialize(table.topic(), value));
            observer.seen(table, envelope);
            return KeyValue.pair(outKey, values.serialize(out, envelope));
        }
        NormalizePlan.Read read = p.plan().get().rewrite(value, p.outputId());
        observer.seen(table, read.op(), read.sourceTsMs());
        return KeyValue.pair(outKey, read.wire());
    }

    private Prepared prepare(int keyId, int valueId) {
        Optional<NormalizePlan> plan = NormalizePlan.of(registry.schemaById(valueId), registry.schemaById(keyId));
        return new Prepared(plan, plan.isPresent() ? registry.register(out + "-value", plan.get().output()) : -1);
    }
}
