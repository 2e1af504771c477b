package io.tributary.ops.tail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.kafka.ChangeEventReader;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tributary tail TOPIC}: the records of a topic, decoded, as JSON lines on standard output, for a
 * person to read (or jq). Change events print as {@code op, table, key, position, commit_ts_ms, ts_ms,
 * snapshot, before, after, unchanged}; a tombstone as {@code {"tombstone": true, "key": ...}}; any other Avro
 * record (generation markers, positions) as its fields. It joins no consumer group and commits nothing.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Print a topic's records decoded, as JSON lines on standard output (logs go to standard error).",
                "Joins no consumer group. Without --from-beginning, only records written from now on."})
public final class TailCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "TOPIC", description = "e.g. monolith.public.trades or trading-engine.trades")
    String topic;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the pipeline file (for Kafka and the registry)")
    Path config;

    @Option(names = "--from-beginning", description = "start at the oldest record still in the topic")
    boolean fromBeginning;

    @Option(names = "--max", paramLabel = "N", defaultValue = "-1", description = "stop after N records (default: run until interrupted)")
    long max;

    @Option(names = "--idle-exit", paramLabel = "SECONDS", defaultValue = "-1",
            description = "stop once no record arrived for this long (default: never)")
    long idleExitSeconds;

    @Override
    public Integer call() throws Exception {
        PipelineConfig pipeline = TributaryCommand.loadPipeline(spec, config);
        if (pipeline == null) {
            return TributaryCommand.USAGE;
        }
        SchemaRegistryClient registry = pipeline.registry().client();
        Decoder decoder = new Decoder(registry);
        Map<String, Object> props = new HashMap<>(KafkaSetup.base(pipeline.kafka()));
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", false);
        PrintWriter out = spec.commandLine().getOut();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            if (tps.isEmpty()) {
                spec.commandLine().getErr().println("topic '" + topic + "' does not exist (see docs/events.md for the topic names)");
                return TributaryCommand.USAGE;
            }
            consumer.assign(tps);
            if (fromBeginning) {
                consumer.seekToBeginning(tps);
            } else {
                consumer.seekToEnd(tps);
            }
            long printed = 0;
            long lastRecord = System.nanoTime();
            while (max < 0 || printed < max) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    out.println(JSON.writeValueAsString(decoder.decode(r)));
                    lastRecord = System.nanoTime();
                    if (++printed == max) {
                        break;
                    }
                }
                out.flush();
                if (idleExitSeconds >= 0 && System.nanoTime() - lastRecord > Duration.ofSeconds(idleExitSeconds).toNanos()) {
                    break;
                }
            }
        }
        return TributaryCommand.OK;
    }

    /** One record as a JSON object. */
    static final class Decoder {
        private final ChangeEventReader events;
        private final AvroSerde keys;
        private final AvroSerde values;

        Decoder(SchemaRegistryClient registry) {
            this.events = new ChangeEventReader(registry);
            this.keys = new AvroSerde(registry, true);
            this.values = new AvroSerde(registry, false);
        }

        ObjectNode decode(ConsumerRecord<byte[], byte[]> r) {
            ObjectNode n = JSON.createObjectNode();
            GenericRecord key = keys.deserialize(r.topic(), r.key());
            if (ChangeEventReader.isTombstone(r.value())) {
                n.put("tombstone", true);
                n.set("key", fields(key));
            } else {
                GenericRecord value = values.deserialize(r.topic(), r.value());
                if (value.getSchema().getField("op") != null && value.getSchema().getField("source") != null) {
                    event(n, events.read(r.topic(), r.key(), r.value()));
                } else {
                    n.set("key", fields(key));
                    n.set("value", fields(value));
                }
            }
            n.put("partition", r.partition());
            n.put("offset", r.offset());
            return n;
        }

        private static void event(ObjectNode n, ChangeEvent e) {
            n.put("op", e.op().code());
            n.put("table", e.schema().table().topic());
            n.set("key", JSON.valueToTree(e.keyValues().stream().map(Decoder::plain).toList()));
            n.set("position", JSON.valueToTree(e.position().toList()));
            n.put("commit_ts_ms", e.commitTsMs());
            n.put("ts_ms", e.tsMs());
            n.put("snapshot", e.snapshot());
            n.set("before", row(e.before()));
            n.set("after", row(e.after()));
            n.set("unchanged", JSON.valueToTree(e.unchanged()));
        }

        private static com.fasterxml.jackson.databind.JsonNode row(Map<String, Object> row) {
            if (row == null) {
                return JSON.nullNode();
            }
            ObjectNode o = JSON.createObjectNode();
            row.forEach((k, v) -> o.set(k, JSON.valueToTree(plain(v))));
            return o;
        }

        private static com.fasterxml.jackson.databind.JsonNode fields(GenericRecord r) {
            if (r == null) {
                return JSON.nullNode();
            }
            ObjectNode o = JSON.createObjectNode();
            r.getSchema().getFields().forEach(f -> o.set(f.name(), JSON.valueToTree(plain(r.get(f.pos())))));
            return o;
        }

        /** Bytes as hex ("\\x..." as PostgreSQL prints bytea), Avro strings as strings, the rest as it is. */
        private static Object plain(Object v) {
            if (v instanceof ByteBuffer b) {
                ByteBuffer d = b.duplicate();
                byte[] bytes = new byte[d.remaining()];
                d.get(bytes);
                return "\\x" + HexFormat.of().formatHex(bytes);
            }
            if (v instanceof CharSequence cs) {
                return cs.toString();
            }
            if (v instanceof List<?> l) {
                return l.stream().map(Decoder::plain).toList();
            }
            return v;
        }
    }
}
