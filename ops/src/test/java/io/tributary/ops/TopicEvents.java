package io.tributary.ops;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.kafka.ChangeEventReader;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** The change events a per-table topic holds, read back for end-to-end tests. */
final class TopicEvents {
    private TopicEvents() {
    }

    /** Every committed change event of {@code topic} (one partition), in order, tombstones left out. */
    static List<ChangeEvent> all(String topic) {
        ChangeEventReader reader = new ChangeEventReader(new SchemaRegistryClient(TestServers.registryUrl()));
        List<ChangeEvent> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap(),
                "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (!ChangeEventReader.isTombstone(r.value())) {
                        out.add(reader.read(topic, r.key(), r.value()));
                    }
                }
            }
        }
        return out;
    }
}
