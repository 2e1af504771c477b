package io.tributary.transform.route;

import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.schemas.registry.WireBytes;
import io.tributary.transform.normalize.Normalizer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsBuilder;
import java.util.function.Predicate;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * One owning service's topology, a pure function of a {@link StreamsBuilder}: every table the service owns
 * is read from its per-table topic {@code <source>.<schema>.<table>}, normalised ({@link Normalizer}), and
 * written to the per-service topic {@code <service>.<table>}, keyed by the same primary-key record.
 * Tombstones pass through so the service topic stays compactable. A table the service maps to its own shape
 * ({@link TableMapper}) goes to {@code <service>.<target-table>} instead, renamed, without its left-out columns
 * and keyed by the target key. On a table whose capture may leave
 * unchanged columns out of an update (PostgreSQL's TOAST values), {@link FullRows} fills them from the
 * latest full row of the key (a state store per table), so that the service topic, compacted, still
 * rebuilds the exact table.
 */
public final class ServiceTopology {
    private ServiceTopology() {
    }

    public static String serviceTopic(PipelineConfig.Service service, TableRef table) {
        return service.topic(table);
    }

    /** Sees every envelope after normalisation (metrics); must not throw. */
    public interface Observer {
        Observer NONE = (table, envelope) -> { };

        void seen(TableRef table, GenericRecord envelope);

        /** An envelope the topology did not decode ({@link WireRoute}): its op code and its source's {@code ts_ms}. */
        default void seen(TableRef table, String op, long sourceTsMs) {
        }
    }

    /** The topology, every table kept in full rows. */
    public static void build(StreamsBuilder builder, PipelineConfig.Service service, Serde<GenericRecord> keySerde,
                             Serde<GenericRecord> valueSerde, Observer observer) {
        build(builder, service, keySerde, valueSerde, observer, table -> true);
    }

    /**
     * The topology; {@code mayLeaveColumnsOut} names the tables whose capture may send an update without
     * some columns (PostgreSQL sources): only those get a store of full rows (a SQLite capture always sends
     * every column, so a store would cost without filling anything).
     */
    public static void build(StreamsBuilder builder, PipelineConfig.Service service, Serde<GenericRecord> keySerde,
                             Serde<GenericRecord> valueSerde, Observer observer, Predicate<TableRef> mayLeaveColumnsOut) {
        build(builder, service, keySerde, valueSerde, observer, mayLeaveColumnsOut, null);
    }

    /**
     * The topology; with {@code registry} set, a table that is only normalised (no store of full rows, no mapping)
     * is routed on its records' bytes ({@link WireRoute}) instead of decoded records.
     */
    public static void build(StreamsBuilder builder, PipelineConfig.Service service, Serde<GenericRecord> keySerde,
                             Serde<GenericRecord> valueSerde, Observer observer, Predicate<TableRef> mayLeaveColumnsOut,
                             SchemaRegistryClient registry) {
        Normalizer normalizer = new Normalizer();
        for (TableRef table : service.tables()) {
            String out = serviceTopic(service, table);
            if (registry != null && !mayLeaveColumnsOut.test(table) && service.mapping(table).isEmpty()) {
                WireRoute route = new WireRoute(registry, table, out, observer);
                WireBytes wire = new WireBytes(registry);
                builder.stream(table.topic(), Consumed.with(Serdes.serdeFrom(new ByteArraySerializer(), wire),
                                Serdes.serdeFrom(new ByteArraySerializer(), wire)).withName("read-" + table.topic()))
                        .map(route::route, Named.as("normalize-" + table.topic()))
                        .to(out, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("write-" + out));
                continue;
            }
            KStream<GenericRecord, GenericRecord> normalized = builder.stream(table.topic(),
                            Consumed.with(keySerde, valueSerde).withName("read-" + table.topic()))
                    .mapValues(normalizer::normalize, Named.as("normalize-" + table.topic()));
            if (mayLeaveColumnsOut.test(table)) {
                String store = FullRows.storeName(table.topic());
                builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), keySerde, valueSerde));
                normalized = normalized.processValues(() -> new FullRows(store), Named.as("full-rows-" + table.topic()), store);
            }
            var mapping = service.mapping(table);
            if (mapping.isPresent()) {
                TableMapper mapper = new TableMapper(mapping.get());
                normalized = normalized.flatMap(mapper::map, Named.as("map-" + table.topic()));
            }
            normalized.peek((k, v) -> observer.seen(table, v), Named.as("observe-" + table.topic()))
                    .to(out, Produced.with(keySerde, valueSerde).withName("write-" + out));
        }
    }
}
