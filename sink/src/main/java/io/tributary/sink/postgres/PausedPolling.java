package io.tributary.sink.postgres;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Runs work (a batch's apply, a decode that waits on the registry) on a worker thread while the consumer's
 * thread keeps polling with every partition paused. A consumer that does not poll within
 * {@code max.poll.interval.ms} leaves its group and can no longer commit; polling paused keeps it in the group
 * however long the work takes, and returns no records, except those a rebalance hands back unpaused, which
 * are rewound so they are read again after the work.
 *
 * <p>Not guaranteed: work that never ends keeps the caller waiting; the caller's thread only polls.
 */
final class PausedPolling implements AutoCloseable {
    /** Work that may fail with a database error. */
    interface Work<T> {
        T run() throws SQLException;
    }

    private final ExecutorService worker;

    PausedPolling(String threadName) {
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code work} on the worker thread, polling {@code consumer} paused until it is done; its error is rethrown as it is. */
    <T> T run(Work<T> work, KafkaConsumer<byte[], byte[]> consumer) throws SQLException {
        Future<T> result = worker.submit(work::run);
        try {
            while (true) {
                try {
                    return result.get(100, TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillRunning) {
                    consumer.pause(consumer.assignment());
                    rewind(consumer, consumer.poll(Duration.ZERO));
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the apply to finish", e);
        } finally {
            consumer.resume(consumer.assignment());
        }
    }

    /** Records a paused consumer returned anyway (a rebalance handed partitions back unpaused): read again later. */
    static void rewind(KafkaConsumer<byte[], byte[]> consumer, ConsumerRecords<byte[], byte[]> unexpected) {
        for (TopicPartition tp : unexpected.partitions()) {
            consumer.seek(tp, unexpected.records(tp).get(0).offset());
        }
        consumer.pause(consumer.assignment());
    }

    @Override
    public void close() {
        worker.shutdown();
    }
}
