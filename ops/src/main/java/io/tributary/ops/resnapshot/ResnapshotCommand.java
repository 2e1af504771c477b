package io.tributary.ops.resnapshot;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.common.signal.ResnapshotRequest;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tributary resnapshot --config F --source S --table T [--wait]}: asks the source's running capture
 * to snapshot one table again while every table keeps streaming. The capture gives the table a new
 * generation, reads its rows again (PostgreSQL: a Debezium incremental snapshot with read-only watermarks;
 * SQLite: the table alone at an exact WAL position between two polls) and writes the table's generation marker; the sinks then drop the rows of older generations (rows the
 * source deleted while nobody watched), after they have read the new rows, so readers never see the table
 * emptied. The request travels on {@link Topics#signals}: the capture acts on it when it runs, even if it
 * is started later.
 *
 * <p>Exit codes: 0 requested (with {@code --wait}: the marker is written); 1 {@code --wait} timed out or
 * Kafka failed; 2 a bad command line, pipeline file, source or table, or an unreachable Kafka.
 */
@Command(name = "resnapshot", mixinStandardHelpOptions = true,
        description = {"Snapshot one table again while the others keep streaming (a new generation for it); rows the source",
                "deleted while nobody watched leave the targets, and readers never see the table empty.",
                "Exit 0 requested (with --wait: complete), 1 --wait timed out or Kafka failed, 2 a bad command line,",
                "pipeline file, source or table."})
public final class ResnapshotCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the pipeline file")
    Path config;

    @Option(names = "--source", required = true, paramLabel = "NAME", description = "the source, as named in the pipeline file")
    String source;

    @Option(names = "--table", required = true, paramLabel = "TABLE", description = "schema.table, or the table alone when the name is unique in the source")
    String table;

    @Option(names = "--wait", description = "wait until the capture has written the table's new generation marker")
    boolean await;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3600", description = "how long --wait waits (default ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PipelineConfig pipeline = TributaryCommand.loadPipeline(spec, config);
        if (pipeline == null) {
            return TributaryCommand.USAGE;
        }
        PrintWriter err = spec.commandLine().getErr();
        PipelineConfig.Source src = pipeline.source(source).orElse(null);
        if (src == null) {
            err.println("no source '" + source + "' in " + config + "; its sources: "
                    + pipeline.sources().stream().map(PipelineConfig.Source::name).collect(Collectors.joining(", ")));
            return TributaryCommand.USAGE;
        }
        List<TableRef> matches = src.tables().stream().filter(t -> t.qualifiedName().equals(table) || t.table().equals(table)).toList();
        if (matches.size() != 1) {
            err.println((matches.isEmpty() ? "no table '" : "more than one table named '") + table + "' in source '" + source + "'; its tables: "
                    + src.tables().stream().map(TableRef::qualifiedName).collect(Collectors.joining(", ")));
            return TributaryCommand.USAGE;
        }
        try {
            return request(pipeline, matches.get(0));
        } catch (IllegalStateException e) { // KafkaSetup: the broker did not answer
            err.println("cannot reach Kafka at " + pipeline.kafka().bootstrap() + ": " + e.getMessage());
            return TributaryCommand.USAGE;
        }
    }

    private int request(PipelineConfig pipeline, TableRef t) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ResnapshotRequest r = new ResnapshotRequest(UUID.randomUUID().toString(), t.qualifiedName(), System.currentTimeMillis());
        KafkaSetup.ensureTopics(pipeline.kafka(), List.of(Topics.signals(source)), ResnapshotRequest.TOPIC);
        KafkaSetup.ensureTopics(pipeline.kafka(), List.of(Topics.generations(source)));
        try (KafkaConsumer<byte[], byte[]> markers = consumer(pipeline)) {
            // every partition: with kafka.partitions above 1 the table's marker lands on its key's partition
            List<TopicPartition> tps = markers.partitionsFor(Topics.generations(source), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            markers.assign(tps);
            java.util.Map<TopicPartition, Long> from = markers.endOffsets(tps, Duration.ofSeconds(30));
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaSetup.producer(pipeline.kafka()), new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(Topics.signals(source), t.qualifiedName().getBytes(StandardCharsets.UTF_8), r.toJson()))
                        .get(30, TimeUnit.SECONDS);
            }
            out.println("requested resnapshot of " + t + " (request " + r.id() + "); " + capture(pipeline) + " for source " + source + " acts on it");
            out.flush();
            if (!await) {
                return TributaryCommand.OK;
            }
            from.forEach(markers::seek);
            return awaitMarker(pipeline, markers, t, out);
        }
    }

    /** Reads the source's generation markers written since the request until one is the table's. */
    private int awaitMarker(PipelineConfig pipeline, KafkaConsumer<byte[], byte[]> markers, TableRef t, PrintWriter out) {
        AvroSerde values = new AvroSerde(pipeline.registry().client(), false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> rec : markers.poll(Duration.ofMillis(500))) {
                GenerationMarker m = rec.value() == null ? null : GenerationMarker.of(values.deserialize(rec.topic(), rec.value()));
                if (m != null && m.table().equals(t.table())) {
                    out.println("resnapshot of " + t + " complete: generation " + m.generation());
                    out.flush();
                    return TributaryCommand.OK;
                }
            }
        }
        spec.commandLine().getErr().println("resnapshot of " + t + " not complete after " + timeoutSeconds + " s; is " + capture(pipeline) + " running "
                + "for source " + source + "? (tributary status shows it; the request stays and is acted on when it runs)");
        return TributaryCommand.FAILED;
    }

    private String capture(PipelineConfig pipeline) {
        return pipeline.source(source).map(PipelineConfig.Source::isSqlite).orElse(false) ? "capture-sqlite" : "capture-postgres";
    }

    private static KafkaConsumer<byte[], byte[]> consumer(PipelineConfig pipeline) {
        Map<String, Object> props = new java.util.HashMap<>(KafkaSetup.base(pipeline.kafka()));
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", false);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
