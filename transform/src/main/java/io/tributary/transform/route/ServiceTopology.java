package io.tributary.transform.route;

import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.TableRef;
import io.tributary.transform.normalize.Normalizer;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * One owning service's topology, a pure function of a {@link StreamsBuilder}: every table the service owns
 * is read from its per-table topic {@code <source>.<schema>.<table>}, normalised ({@link Normalizer}), and
 * written to the per-service topic {@code <service>.<table>}, keyed by the same primary-key record.
 * Tombstones pass through so the service topic stays compactable.
 */
public final class ServiceTopology {
    private ServiceTopology() {
    }

    public static String serviceTopic(PipelineConfig.Service service, TableRef table) {
        return io.tributary.schemas.kafka.Topics.perService(service.name(), table.table());
    }

    /** Sees every envelope after normalisation (metrics); must not throw. */
    public interface Observer {
        Observer NONE = (table, envelope) -> { };

        void seen(TableRef table, GenericRecord envelope);
    }

    public static void build(StreamsBuilder builder, PipelineConfig.Service service, Serde<GenericRecord> keySerde,
                             Serde<GenericRecord> valueSerde, Observer observer) {
        Normalizer normalizer = new Normalizer();
        for (TableRef table : service.tables()) {
            String out = serviceTopic(service, table);
            builder.stream(table.topic(), Consumed.with(keySerde, valueSerde).withName("read-" + table.topic()))
                    .mapValues(normalizer::normalize, Named.as("normalize-" + table.topic()))
                    .peek((k, v) -> observer.seen(table, v), Named.as("observe-" + table.topic()))
                    .to(out, Produced.with(keySerde, valueSerde).withName("write-" + out));
        }
    }
}
