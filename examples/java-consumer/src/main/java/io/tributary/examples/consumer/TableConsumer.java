package io.tributary.examples.consumer;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.kafka.ChangeEventReader;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A service team's consumer of one Tributary topic (per table, {@code <source>.<schema>.<table>}, or per
 * service, {@code <service>.<table>}), built on tributary-schemas alone: records are read as bytes and
 * decoded by {@link ChangeEventReader}; tombstones (the null value after each delete, there for compaction)
 * are skipped. Offsets are committed after the handler returns, so a crash re-delivers, never skips:
 * handle events idempotently, e.g. keep the newest {@link ChangeEvent#position()} per key.
 *
 * <p>Run: {@code java -cp ... io.tributary.examples.consumer.TableConsumer BOOTSTRAP REGISTRY_URL GROUP TOPIC}
 * prints one line per event.
 */
public final class TableConsumer implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ChangeEventReader reader;

    public TableConsumer(String bootstrap, String registryUrl, String group, String topic) {
        this.consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", bootstrap,
                "group.id", group,
                "auto.offset.reset", "earliest",
                "enable.auto.commit", false,
                // only events of committed capture transactions
                "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.reader = new ChangeEventReader(new SchemaRegistryClient(registryUrl));
        consumer.subscribe(List.of(topic));
    }

    /** Polls once, hands every decoded event to {@code handler} in topic order, then commits; returns how many. */
    public int pollOnce(Duration timeout, Consumer<ChangeEvent> handler) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            if (ChangeEventReader.isTombstone(r.value())) {
                continue;
            }
            handler.accept(reader.read(r.topic(), r.key(), r.value()));
            n++;
        }
        consumer.commitSync();
        return n;
    }

    @Override
    public void close() {
        consumer.close();
    }

    /** One line per event: op, table, key, position and the row after the change (before it, for a delete). */
    static String describe(ChangeEvent e) {
        return e.op().code() + " " + e.schema().table() + " key=" + e.keyValues() + " pos=" + e.position()
                + " row=" + e.keyImage();
    }

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: TableConsumer BOOTSTRAP REGISTRY_URL GROUP TOPIC");
            System.exit(2);
        }
        try (TableConsumer c = new TableConsumer(args[0], args[1], args[2], args[3])) {
            while (!Thread.currentThread().isInterrupted()) {
                c.pollOnce(Duration.ofSeconds(1), e -> System.out.println(describe(e)));
            }
        }
    }
}
