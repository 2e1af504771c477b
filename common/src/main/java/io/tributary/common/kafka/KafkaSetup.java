package io.tributary.common.kafka;

import io.tributary.common.config.PipelineConfig;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Client settings and topic creation shared by every deployable. */
public final class KafkaSetup {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(KafkaSetup.class);
    private KafkaSetup() {
    }

    /**
     * The transform's Kafka Streams application id for {@code service}, which is also its consumer group: the
     * sink reads the group's committed offsets to know when a snapshot's rows went through the transform.
     */
    public static String transformApplicationId(String service) {
        return "tributary-transform-" + service;
    }

    /** Bootstrap servers plus the pipeline file's {@code kafka.properties} (security settings and the like). */
    public static Map<String, Object> base(PipelineConfig.Kafka kafka) {
        Map<String, Object> m = new HashMap<>(kafka.properties());
        m.put("bootstrap.servers", kafka.bootstrap());
        return m;
    }

    /**
     * The producers' batching: larger batches than Kafka's 16 KiB, lingering 5 ms, lz4. Throughput settings,
     * which {@code kafka.properties} may change (docs/performance.md measures them); the transform's Kafka
     * Streams producer takes the same.
     */
    public static final Map<String, Object> PRODUCER_BATCHING = Map.of("linger.ms", 5, "batch.size", 256 * 1024, "compression.type", "lz4");

    /**
     * A producer that never duplicates on retry and waits for all in-sync replicas ({@code kafka.properties}
     * cannot change that), batching as {@link #PRODUCER_BATCHING} unless {@code kafka.properties} says otherwise.
     */
    public static Map<String, Object> producer(PipelineConfig.Kafka kafka) {
        Map<String, Object> m = new HashMap<>(PRODUCER_BATCHING);
        m.putAll(base(kafka));
        m.put("acks", "all");
        m.put("enable.idempotence", true);
        return m;
    }

    /** Kafka's default {@code max.request.size} (and, near enough, the broker's {@code message.max.bytes}). */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1_048_576;

    /**
     * The largest record the pipeline carries: {@code kafka.properties} {@code max.request.size}, which every
     * producer gets, Kafka's 1 MiB when it is not set. Every topic Tributary creates takes such records and
     * every consumer fetches them ({@link #ensureTopics}, {@link #consumer}); a larger event is dead-lettered
     * by the stage that meets it (docs/operations.md, "Large values").
     */
    public static int maxRecordBytes(PipelineConfig.Kafka kafka) {
        String max = kafka.properties().get("max.request.size");
        return max == null ? DEFAULT_MAX_RECORD_BYTES : Integer.parseInt(max.trim());
    }

    /**
     * Bootstrap, {@code kafka.properties}, and fetch sizes that take the largest record in one fetch
     * ({@code max.partition.fetch.bytes}, {@code fetch.max.bytes}) where {@link #maxRecordBytes} is above their
     * defaults and {@code kafka.properties} does not set them. (A consumer still makes progress past a larger
     * record, one record per fetch; the sizes spare it that.)
     */
    public static Map<String, Object> consumer(PipelineConfig.Kafka kafka) {
        Map<String, Object> m = base(kafka);
        m.putAll(fetchSizes(kafka));
        return m;
    }

    /** The fetch sizes {@link #consumer} adds (none where the defaults take the largest record). */
    public static Map<String, Object> fetchSizes(PipelineConfig.Kafka kafka) {
        Map<String, Object> m = new HashMap<>();
        int max = maxRecordBytes(kafka);
        if (max > DEFAULT_MAX_RECORD_BYTES && !kafka.properties().containsKey("max.partition.fetch.bytes")) {
            m.put("max.partition.fetch.bytes", max);
        }
        if (max > 52_428_800 && !kafka.properties().containsKey("fetch.max.bytes")) { // Kafka's default fetch.max.bytes: 50 MiB
            m.put("fetch.max.bytes", max);
        }
        return m;
    }

    /**
     * {@code settings} plus a {@code max.message.bytes} that takes the largest record, where it is above the
     * broker's default: the producer checks a record before compression, the broker its batch after it, and
     * lz4 makes incompressible data up to 1/255 larger, so the topic takes that much more.
     */
    public static Map<String, String> sized(PipelineConfig.Kafka kafka, Map<String, String> settings) {
        int max = maxRecordBytes(kafka);
        if (max <= DEFAULT_MAX_RECORD_BYTES || settings.containsKey("max.message.bytes")) {
            return settings;
        }
        Map<String, String> m = new HashMap<>(settings);
        m.put("max.message.bytes", String.valueOf(max + max / 255 + 4096));
        return Map.copyOf(m);
    }

    /** Topic settings of change topics: compacted, but nothing younger than 7 days is compacted away. */
    public static final Map<String, String> CHANGE_TOPIC = Map.of("cleanup.policy", "compact",
            "min.compaction.lag.ms", "604800000", "delete.retention.ms", "604800000");
    /** Topic settings of dead-letter topics: every record kept (never compacted) for 30 days. */
    public static final Map<String, String> DEAD_LETTER_TOPIC = Map.of("cleanup.policy", "delete", "retention.ms", "2592000000");

    /**
     * Creates the change topics that do not exist yet. They are compacted so that a replay from the
     * beginning still sees the latest state of every key, but a delete event and its tombstone stay for 7
     * days (min.compaction.lag.ms, delete.retention.ms): a consumer group more than 7 days behind may miss
     * deletes and should be rebuilt from a new snapshot.
     */
    public static void ensureTopics(PipelineConfig.Kafka kafka, Collection<String> topics) {
        ensureTopics(kafka, topics, CHANGE_TOPIC);
    }

    /**
     * An existing topic keeps its partitions: Kafka cannot take partitions away, and adding some would move
     * keys to other partitions, breaking their order. A count other than the pipeline file's is only logged.
     */
    private static void warnOtherPartitionCounts(Admin admin, PipelineConfig.Kafka kafka, List<String> existing) throws Exception {
        if (existing.isEmpty()) {
            return;
        }
        for (var d : admin.describeTopics(existing).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
            if (d.partitions().size() != kafka.partitions(d.name())) {
                log.warn("topic keeps its partition count topic={} partitions={} configured={} hint=\"a topic's partitions are set when "
                        + "it is created: to change them, create the pipeline's topics anew (a new snapshot) under a new source name\"",
                        d.name(), d.partitions().size(), kafka.partitions(d.name()));
            }
        }
    }

    /**
     * Creates the topics of {@code topics} that do not exist yet, with {@code settings} {@link #sized} for the
     * largest record. Topics that exist already keep their settings.
     */
    public static void ensureTopics(PipelineConfig.Kafka kafka, Collection<String> topics, Map<String, String> settings) {
        Map<String, String> sized = sized(kafka, settings);
        try (Admin admin = Admin.create(base(kafka))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = topics.stream().distinct().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, kafka.partitions(t), (short) kafka.replicationFactor()).configs(sized))
                    .toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
            warnOtherPartitionCounts(admin, kafka, topics.stream().distinct().filter(existing::contains).toList());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topics " + topics + ": " + e.getCause(), e.getCause());
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot create topics " + topics + ": " + e, e);
        }
    }
}
