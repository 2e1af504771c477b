package io.tributary.capture.postgres;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Change events capture-postgres cannot carry (larger than Kafka takes) or must not (a TRUNCATE of a table
 * under {@code refuse-truncate}: key the table's name, headers error, topic, op {@code t} and lsn), written to
 * {@code tributary.dlq.capture.<source>} instead of stopping the capture: the row's key values as the record
 * key (text), no value (the event is what did not fit), and headers {@code tributary.error} (the reason),
 * {@code tributary.topic} (the per-table topic it was for), {@code tributary.key}, {@code tributary.op},
 * {@code tributary.lsn} and {@code tributary.position}. {@link #flush()} returns when Kafka acknowledged
 * them; the capture commits its offsets only after that, so a dead letter is never lost, but one may be
 * written twice after a crash. The target keeps its older copy of such a row (or never gets it): the
 * operator decides (docs/operations.md, "Large values").
 */
final class CaptureDeadLetters implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CaptureDeadLetters.class);
    private final String topic;
    private final String source;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Counter counter;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    CaptureDeadLetters(PipelineConfig config, PipelineConfig.Source source, MeterRegistry metrics) {
        this.source = source.name();
        this.topic = topic(source);
        this.producer = new KafkaProducer<>(KafkaSetup.producer(config.kafka()), new ByteArraySerializer(), new ByteArraySerializer());
        this.counter = metrics.counter("tributary.errors", "stage", "capture", "source", source.name(), "kind", "dead_letter");
    }

    static String topic(PipelineConfig.Source source) {
        return Topics.deadLetters("capture", source.name());
    }

    void send(ChangeEvent e, String perTableTopic, String reason) {
        String key = e.keyValues().toString();
        log.warn("dead-lettered source={} topic={} key={} op={} lsn={} reason={}", source, perTableTopic, key, e.op().code(), e.lsn(), reason);
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), null);
        header(r, "tributary.error", reason);
        header(r, "tributary.topic", perTableTopic);
        header(r, "tributary.key", key);
        header(r, "tributary.op", e.op().code());
        header(r, "tributary.lsn", String.valueOf(e.lsn()));
        header(r, "tributary.position", e.position().toString());
        send(r);
    }

    /** A TRUNCATE the capture did not carry ({@code refuse-truncate}): logged at ERROR, key the table's name. */
    void sendTruncate(io.tributary.schemas.event.TableRef table, String perTableTopic, long lsn, String reason) {
        log.error("refused truncate source={} table={} lsn={}: {}", source, table.qualifiedName(), lsn, reason);
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, table.qualifiedName().getBytes(StandardCharsets.UTF_8), null);
        header(r, "tributary.error", reason);
        header(r, "tributary.topic", perTableTopic);
        header(r, "tributary.op", "t");
        header(r, "tributary.lsn", String.valueOf(lsn));
        send(r);
    }

    private void send(ProducerRecord<byte[], byte[]> r) {
        producer.send(r, (md, ex) -> {
            if (ex != null) {
                failure.compareAndSet(null, ex);
            }
        });
        counter.increment();
    }

    private static void header(ProducerRecord<byte[], byte[]> r, String name, String value) {
        r.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Blocks until every dead letter sent so far is acknowledged; throws if one was not. */
    void flush() {
        producer.flush();
        Exception ex = failure.get();
        if (ex != null) {
            throw new IllegalStateException("Kafka did not acknowledge dead letters on " + topic + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
