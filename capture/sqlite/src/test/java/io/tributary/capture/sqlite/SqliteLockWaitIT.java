package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application holds its write lock longer than the tailer's busy timeout (5 s) while the tailer wants to
 * take its snapshot: the tailer waits, counts the wait, and goes on once the lock is free. It once threw
 * SQLITE_BUSY and the deployable stopped for good.
 */
class SqliteLockWaitIT {
    @TempDir
    Path dir;

    @Test
    void aLockHeldByTheApplicationIsWaitedOutNeverFatal() throws Exception {
        String name = "locked" + Long.toHexString(System.nanoTime());
        Path db = dir.resolve("app.db");
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA busy_timeout = 60000");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            s.execute("INSERT INTO t VALUES (1, 'one')");
            TableRef ref = new TableRef(name, "main", "t");
            PipelineConfig.Source source = new PipelineConfig.Source(name, new PipelineConfig.Sqlite(db, Duration.ofMillis(20), 64), null, List.of(ref));
            PipelineConfig.Kafka kafka = new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of());
            KafkaSetup.ensureTopics(kafka, List.of(ref.topic(), Topics.positions(name), Topics.generations(name)));
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();

            s.execute("BEGIN IMMEDIATE"); // the application's long write transaction
            s.execute("INSERT INTO t VALUES (2, 'two')");
            SqliteTailer tailer = new SqliteTailer(kafka, source, new SchemaRegistryClient(TestServers.registryUrl()), metrics);
            Thread thread = new Thread(tailer, "tailer-locked");
            thread.start();
            try {
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> waits(metrics) > 0 || tailer.failure() != null);
                assertNull(tailer.failure(), "a lock held by the application is waited out, not fatal");
                assertTrue(!tailer.streaming(), "no snapshot while the application holds the write lock");
                s.execute("COMMIT");

                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> tailer.streaming() || tailer.failure() != null);
                assertNull(tailer.failure());
                s.execute("INSERT INTO t VALUES (3, 'three')");
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> tailer.committedTransactions() >= 1 || tailer.failure() != null);
                assertNull(tailer.failure());
            } finally {
                tailer.close();
                thread.join(30_000);
            }
        }
    }

    private static double waits(SimpleMeterRegistry metrics) {
        return metrics.find("tributary.capture.lock.waits").counters().stream().mapToDouble(Counter::count).sum();
    }
}
