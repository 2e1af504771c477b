package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.kafka.Topics;
import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The initial snapshot of one table read by four workers (key ranges, each on its own connection in the
 * slot's exported snapshot) while an application inserts, updates and deletes rows all along: the table's
 * topic, folded by key to the event with the highest position, must equal the source row for row once the
 * writer stops. A range read twice, a range left out, or a range read in a later snapshot than the stream
 * starts from would leave a key that differs. The snapshot's rows must arrive interleaved from several ranges
 * (one thread reads a fresh table in key order), and no key may be read twice in the snapshot.
 */
class ParallelSnapshotIT {
    private static final int ROWS = 60_000;

    @TempDir
    Path dir;

    @Test
    void fourWorkersSnapshotATableUnderConcurrentWritesAndTheTopicEqualsTheSource() throws Exception {
        try (CaptureRun run = new CaptureRun(dir, "parsnap")) {
            run.sql("CREATE TABLE big (id bigint PRIMARY KEY, v text NOT NULL, n integer NOT NULL);"
                    + "INSERT INTO big SELECT g, 'v' || g, 0 FROM generate_series(1, " + ROWS + ") g; ANALYZE big");
            try (Writer writer = new Writer(run.url, ROWS + 1)) {
                Awaitility.await("the writer under way").atMost(Duration.ofSeconds(30)).until(() -> writer.transactions.get() > 10);
                run.pipelineWith("snapshot-workers: 4", "big").start();
                long atStart = writer.transactions.get();
                awaitMarker(run.source);
                long atMarker = writer.transactions.get();
                Awaitility.await("the writer after the snapshot").atMost(Duration.ofSeconds(60))
                        .until(() -> writer.failure.get() != null || writer.transactions.get() > atMarker + 100);
                writer.close();
                assertEquals(null, writer.failure.get(), "the writer failed");
                assertTrue(atMarker > atStart, "the writer committed while the capture started and snapshotted");
            }
            // the last change: once its event is read, every earlier one is (one partition, in commit order)
            run.sql("INSERT INTO big VALUES (" + SENTINEL + ", 'last', 0)");
            Map<Long, String> source = sourceRows(run.url);
            Map<Long, ChangeEvent> newest = new HashMap<>();
            List<ChangeEvent> events = run.read("big", Duration.ofSeconds(180),
                    read -> !read.isEmpty() && Long.valueOf(SENTINEL).equals(read.get(read.size() - 1).keyImage().get("id")));
            events.forEach(e -> fold(newest, e));
            assertEquals("", differences(source, rows(newest)), "the topic folded by key against the source");
            List<Long> snapshotIds = events.stream().filter(e -> e.op() == Op.READ).map(e -> (Long) e.after().get("id")).toList();
            Set<Long> distinct = new HashSet<>(snapshotIds);
            assertEquals(distinct.size(), snapshotIds.size(), "keys read twice by the snapshot");
            assertTrue(snapshotIds.size() > ROWS / 2, "snapshot rows: " + snapshotIds.size());
            int descents = 0;
            for (int i = 1; i < snapshotIds.size(); i++) {
                descents += snapshotIds.get(i) < snapshotIds.get(i - 1) ? 1 : 0;
            }
            assertTrue(descents > 0, "the snapshot's rows came in key order: one worker read the whole table");
            long generations = events.stream().map(e -> e.position().parts()[0]).distinct().count();
            assertEquals(1, generations, "every event of the table in the snapshot's generation");
        }
    }

    private static final long SENTINEL = 1L << 40;

    /** Keys missing from the topic, extra in it, or with another value; the first 10 of each. */
    static String differences(Map<Long, String> source, Map<Long, String> topic) {
        List<String> missing = source.keySet().stream().filter(k -> !topic.containsKey(k)).limit(10).map(String::valueOf).toList();
        List<String> extra = topic.keySet().stream().filter(k -> !source.containsKey(k)).limit(10).map(String::valueOf).toList();
        List<String> changed = source.entrySet().stream().filter(e -> topic.containsKey(e.getKey()) && !topic.get(e.getKey()).equals(e.getValue()))
                .limit(10).map(e -> e.getKey() + ": source " + e.getValue() + ", topic " + topic.get(e.getKey())).toList();
        return missing.isEmpty() && extra.isEmpty() && changed.isEmpty() ? ""
                : "missing " + missing + " extra " + extra + " changed " + changed + " (source " + source.size() + " rows, topic " + topic.size() + ")";
    }

    static void fold(Map<Long, ChangeEvent> newest, ChangeEvent e) {
        Long id = (Long) e.keyImage().get("id");
        ChangeEvent old = newest.get(id);
        if (old == null || e.position().compareTo(old.position()) > 0) {
            newest.put(id, e);
        }
    }

    /** The rows the folded topic holds: id to "v|n", deleted keys left out. */
    static Map<Long, String> rows(Map<Long, ChangeEvent> newest) {
        Map<Long, String> out = new TreeMap<>();
        newest.forEach((id, e) -> {
            if (e.op() != Op.DELETE) {
                out.put(id, e.after().get("v") + "|" + e.after().get("n"));
            }
        });
        return out;
    }

    static Map<Long, String> sourceRows(String url) throws Exception {
        Map<Long, String> out = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, v, n FROM big")) {
            while (rs.next()) {
                out.put(rs.getLong(1), rs.getString(2) + "|" + rs.getInt(3));
            }
        }
        return out;
    }

    /** Waits (bounded) for the source's first generation marker: the snapshot's rows are all in Kafka. */
    static void awaitMarker(String source) {
        String topic = Topics.generations(source);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Awaitility.await("the snapshot's generation marker on " + topic).atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions().until(() -> {
                        List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                                .map(p -> new TopicPartition(topic, p.partition())).toList();
                        return c.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum() > 0;
                    });
        }
    }

    /**
     * An application changing the table until closed: per transaction one insert of a new key, one update of a
     * random existing key, one delete of a random key (which may be gone already).
     */
    static final class Writer implements AutoCloseable {
        final AtomicLong transactions = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        /** {@code firstNewId}: the key of its first insert, above every key the table holds. */
        Writer(String url, long firstNewId) {
            thread = new Thread(() -> {
                long next = firstNewId;
                try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
                    c.setAutoCommit(false);
                    try (Statement s = c.createStatement()) {
                        while (!stop.get()) {
                            ThreadLocalRandom r = ThreadLocalRandom.current();
                            s.execute("INSERT INTO big VALUES (" + next + ", 'new" + next + "', 1)");
                            next++;
                            s.execute("UPDATE big SET v = v || 'u', n = n + 1 WHERE id = " + r.nextLong(1, next));
                            s.execute("DELETE FROM big WHERE id = " + r.nextLong(1, next));
                            c.commit();
                            transactions.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    failure.set(e);
                }
            }, "parallel-snapshot-writer");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(Duration.ofSeconds(30).toMillis());
        }
    }
}
