package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart that cannot prove continuity (the tailer stopped, the application changed rows and checkpointed
 * with TRUNCATE meanwhile) resyncs: it sends only the rows that differ from what the topics hold, plus deletes
 * for the rows gone, and the topics replay to exactly the database. Also cut short by a crash and restarted,
 * and the fall-back to a new snapshot when a topic no longer holds its whole history.
 */
class SqliteResyncIT {
    @TempDir
    Path dir;

    private static final List<String> TABLES = List.of("runs", "tags");

    private PipelineConfig.Source source;
    private List<TableRef> refs;
    private Path db;

    private static PipelineConfig.Kafka kafka() {
        return new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of());
    }

    /** A database of {@code rows} runs (INTEGER PRIMARY KEY) and 300 tags (keyed by TEXT, stored by rowid), captured until streaming. */
    private void database(String name, int rows) throws Exception {
        db = dir.resolve("app.db");
        sql("PRAGMA journal_mode = WAL",
                "CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, data BLOB)",
                "CREATE TABLE tags (name TEXT PRIMARY KEY, n INTEGER NOT NULL)",
                "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < " + rows + ") "
                        + "INSERT INTO runs SELECT v, 'run' || v, v * 0.5, randomblob(8) FROM s",
                "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 300) INSERT INTO tags SELECT 'tag' || v, v FROM s");
        refs = TABLES.stream().map(t -> new TableRef(name, "main", t)).toList();
        source = new PipelineConfig.Source(name, new PipelineConfig.Sqlite(db, Duration.ofMillis(20)), null, refs);
        List<String> topics = new ArrayList<>(refs.stream().map(TableRef::topic).toList());
        topics.add(Topics.positions(name));
        topics.add(Topics.generations(name));
        KafkaSetup.ensureTopics(kafka(), topics);
    }

    private void sql(String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (String q : statements) {
                if (q.startsWith("PRAGMA wal_checkpoint")) {
                    s.executeQuery(q).close();
                } else {
                    s.execute(q);
                }
            }
        }
    }

    /** A tailer run on a thread of its own; {@code step}, when not null, runs after each resync transaction but the last. */
    private record Run(SqliteTailer tailer, Thread thread, SimpleMeterRegistry metrics) {
        void stop() throws InterruptedException {
            tailer.close();
            thread.join(30_000);
            assertNull(tailer.failure(), "the tailer stopped cleanly");
        }

        long events() {
            return metrics.find("tributary.capture.events").counters().stream().mapToLong(c -> (long) c.count()).sum();
        }

        long gaps() {
            Counter c = metrics.find("tributary.capture.gaps").counter();
            return c == null ? 0 : (long) c.count();
        }
    }

    private Run start(Runnable step) {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        SqliteTailer tailer = new SqliteTailer(kafka(), source, new SchemaRegistryClient(TestServers.registryUrl()), metrics);
        if (step != null) {
            tailer.onResyncStep(step);
        }
        Thread t = new Thread(tailer, "tailer-" + System.nanoTime());
        t.start();
        return new Run(tailer, t, metrics);
    }

    private Run started() throws InterruptedException {
        Run r = start(null);
        SqliteTailerIT.awaitStreaming(r.tailer());
        return r;
    }

    /** Replays the topics until they equal the database, and asserts they do. */
    private void assertTopicsEqualTheDatabase() throws Exception {
        Map<String, Map<String, String>> expected = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            for (TableRef r : refs) {
                TableSchema schema = PragmaTables.read(c, r);
                expected.put(r.table(), TopicReplay.select(db, schema));
            }
        }
        Map<String, Map<String, String>> replayed = TopicReplay.replayUntilEqual(refs, expected);
        for (TableRef r : refs) {
            assertEquals(expected.get(r.table()), replayed.get(r.table()), "replay of " + r.topic() + " equals SELECT *");
        }
    }

    @Test
    void aRestartAfterACheckpointSendsOnlyTheChangedRows() throws Exception {
        database("resync" + Long.toHexString(System.nanoTime()), 5000);
        Run first = started();
        assertTopicsEqualTheDatabase();
        first.stop();
        sql("UPDATE runs SET score = -1 WHERE id % 100 = 0", // 50
                "UPDATE runs SET score = score WHERE id % 100 = 1", // 50 rows written, none changed
                "DELETE FROM runs WHERE id % 250 = 7", // 20
                "INSERT INTO runs VALUES (9001, 'while down', 1.5, x'00ff'), (9002, 'while down', NULL, NULL)", // 2
                "UPDATE tags SET n = n + 1000 WHERE n <= 10", // 10
                "DELETE FROM tags WHERE n BETWEEN 20 AND 24", // 5
                "UPDATE tags SET name = 'renamed' WHERE name = 'tag300'", // a key change: a delete and a new row
                "PRAGMA wal_checkpoint(TRUNCATE)");
        Run second = started();
        assertTopicsEqualTheDatabase();
        second.stop();
        assertEquals(1, second.gaps(), "the restart could not prove continuity");
        assertEquals(50 + 20 + 2 + 10 + 5 + 2, second.events(), "only the changed rows are sent again");
    }

    @Test
    void aResyncCutShortIsFinishedByTheNextRestart() throws Exception {
        database("cut" + Long.toHexString(System.nanoTime()), 25_000);
        started().stop();
        sql("UPDATE runs SET score = score + 1", "PRAGMA wal_checkpoint(TRUNCATE)");
        Run crashed = start(() -> {
            throw new IllegalStateException("stopped after the first resync transaction (a test)");
        });
        Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> crashed.tailer().failure() != null);
        crashed.thread().join(30_000);
        long first = crashed.events(); // runs 1..first, in rowid order: one transaction (CHUNK rows, or fewer after 5 s)
        assertTrue(first > 100 && first <= SqliteResync.CHUNK, "the first resync transaction was written: " + first);
        sql("UPDATE runs SET name = 'again' WHERE id <= 100", "DELETE FROM runs WHERE id > 24990", "PRAGMA wal_checkpoint(TRUNCATE)");
        Run restarted = started();
        assertTopicsEqualTheDatabase();
        restarted.stop();
        assertEquals(100 + (25_000 - first - 10) + 10, restarted.events(),
                "the rows sent before the crash are not sent again unless changed since");
    }

    @Test
    void aTopicMissingItsStartFallsBackToANewSnapshot() throws Exception {
        database("fallback" + Long.toHexString(System.nanoTime()), 1000);
        started().stop();
        try (Admin admin = Admin.create(KafkaSetup.base(kafka()))) {
            // a compacted topic refuses DeleteRecords: as an operator would, make it a delete topic first
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, refs.get(1).topic());
            admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete"),
                    AlterConfigOp.OpType.SET)))).all().get();
            // the broker applies the new policy when it replays the metadata record, a moment after the alter returns:
            // until then it refuses DeleteRecords with a PolicyViolationException, so ask again within a bound
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptionsMatching(e -> e instanceof ExecutionException && e.getCause() instanceof PolicyViolationException)
                    .until(() -> admin.deleteRecords(Map.of(new TopicPartition(refs.get(1).topic(), 0), RecordsToDelete.beforeOffset(1)))
                            .all().get() == null);
        }
        sql("UPDATE runs SET score = 0 WHERE id <= 10", "PRAGMA wal_checkpoint(TRUNCATE)");
        Run second = started();
        assertTopicsEqualTheDatabase();
        second.stop();
        assertNotNull(second.metrics().find("tributary.capture.snapshot").timer(), "a new snapshot was taken");
        assertEquals(1000 + 300, second.events(), "every row again: the topic of tags lost records, so it cannot vouch for the targets");
    }
}
