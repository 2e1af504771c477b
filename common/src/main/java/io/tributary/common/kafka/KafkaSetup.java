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

    /** A producer that never duplicates on retry and waits for all in-sync replicas. */
    public static Map<String, Object> producer(PipelineConfig.Kafka kafka) {
        Map<String, Object> m = base(kafka);
        m.put("acks", "all");
        m.put("enable.idempotence", true);
        m.put("linger.ms", 5);
        m.put("batch.size", 256 * 1024);
        m.put("compression.type", "lz4");
        return m;
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

    public static void ensureTopics(PipelineConfig.Kafka kafka, Collection<String> topics, Map<String, String> settings) {
        try (Admin admin = Admin.create(base(kafka))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = topics.stream().distinct().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, kafka.partitions(t), (short) kafka.replicationFactor()).configs(settings))
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
