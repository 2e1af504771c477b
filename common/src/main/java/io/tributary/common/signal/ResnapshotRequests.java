package io.tributary.common.signal;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.kafka.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A capture's reader of its source's requests ({@link Topics#signals}), on a thread of its own: each
 * {@link ResnapshotRequest} is handed to the handler, and the read is committed after the handler returned.
 *
 * <p>Contract: every request is handed over at least once, in order; a handler that throws gets the same
 * request again after a second (the error is logged), so a request is never skipped. A request read twice (a
 * restart before the commit) is the handler's to recognise by its id. Records that are not requests are
 * logged and skipped. A new consumer group starts at the oldest request kept: the handler decides whether a
 * snapshot since has already satisfied it.
 */
public final class ResnapshotRequests implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResnapshotRequests.class);
    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Consumer<ResnapshotRequest> handler;
    private final Thread thread;
    private volatile boolean running = true;

    /** Reads {@code source}'s requests as consumer group {@code group} (the topic must exist). */
    public ResnapshotRequests(PipelineConfig.Kafka kafka, String source, String group, Consumer<ResnapshotRequest> handler) {
        this.topic = Topics.signals(source);
        Map<String, Object> props = KafkaSetup.base(kafka);
        props.put("group.id", group);
        props.put("enable.auto.commit", false);
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        props.put("max.poll.interval.ms", 3_600_000); // a handler may take as long as a table's snapshot
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.handler = handler;
        this.thread = new Thread(this::run, "signals-" + source);
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic));
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (!handle(r)) {
                        retryLater(new TopicPartition(r.topic(), r.partition()), r.offset());
                        break;
                    }
                    commit(r);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Commits the read of {@code r}; a failed commit (a rebalance) only means the request is handed over again. */
    private void commit(ConsumerRecord<byte[], byte[]> r) {
        try {
            consumer.commitSync(Map.of(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1)));
        } catch (CommitFailedException | RebalanceInProgressException e) {
            log.warn("could not commit the read of request at {} offset {} ({}); it will be read again", topic, r.offset(), e.toString());
        }
    }

    /** Reads the request at {@code offset} again after a second (paused meanwhile, so the group membership holds). */
    private void retryLater(TopicPartition tp, long offset) {
        consumer.pause(consumer.assignment());
        consumer.poll(Duration.ofSeconds(1));
        consumer.seek(tp, offset);
        consumer.resume(consumer.assignment());
    }

    /** False when the handler failed and the request must be handed over again. */
    private boolean handle(ConsumerRecord<byte[], byte[]> r) {
        ResnapshotRequest request;
        try {
            request = ResnapshotRequest.fromJson(r.value());
        } catch (IllegalArgumentException e) {
            log.warn("skipping a record of {} at offset {}: {}", topic, r.offset(), e.getMessage());
            return true;
        }
        try {
            handler.accept(request);
            return true;
        } catch (RuntimeException e) {
            log.error("cannot act on request id={} table={} (retrying in 1 s): {}", request.id(), request.table(), e.toString(), e);
            return false;
        }
    }

    @Override
    public void close() {
        running = false;
        if (!thread.isAlive()) {
            if (thread.getState() == Thread.State.NEW) {
                consumer.close(Duration.ofSeconds(5)); // never started: run's finally will not close it
            }
            return;
        }
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
