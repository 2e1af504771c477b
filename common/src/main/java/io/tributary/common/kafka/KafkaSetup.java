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
    private KafkaSetup() {
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

    /**
     * Creates the topics that do not exist yet. Change topics are compacted with deletes kept a day, so a
     * replay from the beginning still sees the latest state of every key and recent deletes.
     */
    public static void ensureTopics(PipelineConfig.Kafka kafka, Collection<String> topics) {
        try (Admin admin = Admin.create(base(kafka))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = topics.stream().distinct().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, kafka.partitions(), (short) kafka.replicationFactor())
                            .configs(Map.of("cleanup.policy", "compact", "delete.retention.ms", "86400000")))
                    .toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
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
