package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.capture.sqlite.wal.SqliteTypes;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.TableRef;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL tailer against a real SQLite file written by another process (random transactions, rollbacks,
 * checkpoints in all four modes), a real broker and registry: replaying the emitted events gives exactly
 * {@code SELECT *} of every table, every before image equals the row as it was, and positions only grow;
 * also after a stop and a resume in the same process.
 */
class SqliteTailerIT {
    @TempDir
    Path dir;

    private static final List<String> TABLES = List.of("items", "accounts", "tags", "users", "memberships");

    private Process writer(Path db, long seed, int ops, boolean create) throws Exception {
        return writer(db, seed, ops, create, create ? "create" : "checkpoint");
    }

    private Process writer(Path db, long seed, int ops, boolean create, String mode) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), WorkloadWriter.class.getName(), db.toString(), Long.toString(seed),
                Integer.toString(ops), mode));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("writer-" + seed + ".log").toFile()).start();
    }

    private static String read(Path p) {
        try {
            return java.nio.file.Files.readString(p);
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static PipelineConfig.Kafka kafka() {
        return new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of());
    }

    private SqliteTailer tailer(PipelineConfig.Source source, SimpleMeterRegistry metrics) {
        return new SqliteTailer(kafka(), source, new SchemaRegistryClient(TestServers.registryUrl()), metrics);
    }

    /** 10,000 random operations per seed (plus 300 before the snapshot), the writer checkpointing in all four modes. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {3, 17, 42})
    void replayingTheEventsGivesExactlyTheDatabaseWhileTheApplicationCheckpoints(long seed) throws Exception {
        run(false, 64, "checkpoint", seed, 10_000);
    }

    @Test
    void aResumedTailerMissesNothingAcrossLaterWalRestarts() throws Exception {
        run(true);
    }

    /**
     * Schema changes mid-stream (ADD COLUMN with a default, then DROP TABLE) and an application that closes
     * and reopens the database: new schema versions in the registry, rows written before the ADD COLUMN carry
     * its default, the drop deletes every row, and nothing is lost.
     */
    @Test
    void schemaChangesAndAClosingApplicationAreFollowed() throws Exception {
        String name = "schema" + Long.toHexString(System.nanoTime());
        Path db = dir.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
            s.execute("INSERT INTO items VALUES (1, 'a'), (2, 'b')");
        }
        TableRef items = new TableRef(name, "main", "items");
        PipelineConfig.Source source = new PipelineConfig.Source(name, new PipelineConfig.Sqlite(db, Duration.ofMillis(20)), null, List.of(items));
        KafkaSetup.ensureTopics(kafka(), List.of(items.topic(), io.tributary.schemas.kafka.Topics.positions(name), io.tributary.schemas.kafka.Topics.generations(name)));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        SqliteTailer tailer = tailer(source, metrics);
        Thread t = new Thread(tailer, "tailer-schema");
        t.start();
        awaitStreaming(tailer);
        for (String sql : List.of("INSERT INTO items VALUES (3, 'c')",
                "ALTER TABLE items ADD COLUMN score REAL DEFAULT 1.5",
                "UPDATE items SET name = 'a2' WHERE id = 1",
                "INSERT INTO items VALUES (4, 'd', 9.25)")) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
                s.execute(sql); // a connection per statement: the application closes the database every time
            }
        }
        TableSchema now;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            now = PragmaTables.read(c, items);
        }
        Map<String, String> expected = TopicReplay.select(db, now);
        // rows untouched since the ADD COLUMN get no event (SQLite does not rewrite them); their last event
        // is older than the new column, so compare those without it
        expected.replaceAll((k, v) -> k.equals("id=2;") || k.equals("id=3;") ? v.replace("score=3ff8000000000000;", "") : v);
        Map<String, Map<String, String>> replayed = TopicReplay.replayUntilEqual(List.of(items), Map.of("items", expected));
        assertEquals(expected, replayed.get("items"));
        assertTrue(replayed.get("items").get("id=1;").contains("name=a2;score=3ff8000000000000"),
                "an update of a row written before ADD COLUMN carries the default 1.5: " + replayed);
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        assertTrue(registry.versions(items.topic() + "-value").size() >= 2, "the ADD COLUMN made a new schema version in the registry");

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("DROP TABLE items");
        }
        Map<String, Map<String, String>> afterDrop = TopicReplay.replayUntilEqual(List.of(items), Map.of("items", Map.of()));
        assertEquals(Map.of(), afterDrop.getOrDefault("items", Map.of()), "DROP TABLE deletes every row");
        tailer.close();
        t.join(30_000);
        assertNull(tailer.failure());
    }

    /**
     * kill -9 of the capture process (a real {@code capture-sqlite} deployable in its own JVM) at random
     * moments while the application keeps writing: after each restart it resumes from the position stored
     * with its events, and the topic replays to exactly the database with positions that only grow (a
     * repeated or lost event would break one or the other).
     */
    @Test
    void killDashNineOfTheCaptureLosesAndRepeatsNothing() throws Exception {
        String name = "kill" + Long.toHexString(System.nanoTime());
        Path db = dir.resolve("app.db");
        assertEquals(0, writer(db, 7, 200, true).waitFor(), () -> "initial writer failed: " + read(dir.resolve("writer-7.log")));
        List<TableRef> refs = TABLES.stream().map(t -> new TableRef(name, "main", t)).toList();
        Path pipeline = dir.resolve("pipeline.yaml");
        java.nio.file.Files.writeString(pipeline, """
                kafka: { bootstrap: "%s" }
                registry: { url: "%s" }
                sources:
                  - name: %s
                    sqlite: { path: "%s", poll-interval: 20ms }
                    tables: [items, accounts, tags, users, memberships]
                services:
                  - name: unused
                    target: { url: "jdbc:postgresql://127.0.0.1:1/unused", user: nobody }
                    tables: [%s.main.items, %s.main.accounts, %s.main.tags, %s.main.users, %s.main.memberships]
                """.formatted(TestServers.kafkaBootstrap(), TestServers.registryUrl(), name, db, name, name, name, name, name));
        List<String> topics = new ArrayList<>(refs.stream().map(TableRef::topic).toList());
        topics.add(io.tributary.schemas.kafka.Topics.positions(name));
        topics.add(io.tributary.schemas.kafka.Topics.generations(name));
        KafkaSetup.ensureTopics(kafka(), topics);
        // the application keeps a connection open and does not checkpoint: continuity stays provable while no
        // capture runs (with checkpoints, a restart is a new generation instead; see SqliteGapIT)
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement hold = app.createStatement()) {
            hold.executeQuery("SELECT count(*) FROM sqlite_schema").close();
            Process w = writer(db, 8, 3000, false, "nocheckpoint");
            java.util.Random r = new java.util.Random(8);
            for (int kill = 0; kill < 3 && w.isAlive(); kill++) {
                // killed once it has committed a few more of its Kafka transactions (its positions), a number drawn
                // from the seed: at a point of its progress, not after a time a busy machine makes meaningless
                String positions = io.tributary.schemas.kafka.Topics.positions(name);
                long committed = TestServers.endOffset(positions) + 1 + r.nextInt(4);
                int n = kill;
                Process capture = capture(pipeline, n);
                org.awaitility.Awaitility.await("capture " + n + " commits its next transactions").atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> !w.isAlive() || !capture.isAlive() || TestServers.endOffset(positions) >= committed);
                assertTrue(capture.isAlive(), () -> "capture " + n + " exited by itself: " + read(dir.resolve("capture-" + n + ".log")));
                capture.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no clean Kafka close
            }
            Process last = capture(pipeline, 9);
            assertEquals(0, w.waitFor(), () -> "writer failed: " + read(dir.resolve("writer-8.log")));
            Map<String, TableSchema> schemas = new HashMap<>();
            Map<String, Map<String, String>> expected = new HashMap<>();
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
                for (TableRef ref : refs) {
                    schemas.put(ref.table(), PragmaTables.read(c, ref));
                }
            }
            for (TableRef ref : refs) {
                expected.put(ref.table(), TopicReplay.select(db, schemas.get(ref.table())));
            }
            Map<String, Map<String, String>> replayed = TopicReplay.replayUntilEqual(refs, expected);
            last.destroy();
            last.waitFor();
            for (TableRef ref : refs) {
                assertEquals(expected.get(ref.table()), replayed.get(ref.table()), "replay of " + ref.topic() + " after three kill -9");
            }
            assertTrue(!read(dir.resolve("capture-9.log")).contains("cannot prove continuity"), "resumed without a gap");
        }
    }

    /** Waits (at most 60 s) until the tailer streams; fails with its failure if it stopped instead. */
    static void awaitStreaming(SqliteTailer tailer) throws InterruptedException {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).pollInterval(java.time.Duration.ofMillis(5))
                .until(() -> tailer.streaming() || tailer.failure() != null);
        assertNull(tailer.failure(), "the tailer stopped before streaming");
        assertTrue(tailer.streaming(), "the tailer streams within 60 s");
    }

    private Process capture(Path pipeline, int n) throws Exception {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                SqliteCaptureApp.class.getName(), "--config", pipeline.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("capture-" + n + ".log").toFile()).start();
    }

    /** The quiet window runs and the replay stays exact across the WAL restarts it allows. */
    @Test
    void theTailerLetsSqliteRestartTheWalPastItsLimit() throws Exception {
        SimpleMeterRegistry metrics = run(false, 1, "auto", 3, 4000);
        io.micrometer.core.instrument.Timer quiet = metrics.find("tributary.capture.quiet.window").timer();
        assertTrue(quiet != null && quiet.count() > 0, "the tailer let SQLite restart the WAL");
        System.out.printf("WAL quiet windows: %d, writers held at most %.1f ms%n", quiet.count(), quiet.max(java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    /**
     * A quiet window leaves the WAL checkpointed and unpinned; it restarts only at the application's next write.
     * An idle tailer must not hold writers off again at every poll meanwhile (it once did: 50 windows a second).
     */
    @Test
    void anIdleTailerDoesNotRepeatTheQuietWindow() throws Exception {
        String name = "idle" + Long.toHexString(System.nanoTime());
        Path db = dir.resolve("idle.db");
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
            s.execute("INSERT INTO blobs VALUES (0, x'00')");
            TableRef ref = new TableRef(name, "main", "blobs");
            PipelineConfig.Source source = new PipelineConfig.Source(name, new PipelineConfig.Sqlite(db, Duration.ofMillis(20), 1), null, List.of(ref));
            KafkaSetup.ensureTopics(kafka(), List.of(ref.topic(), io.tributary.schemas.kafka.Topics.positions(name),
                    io.tributary.schemas.kafka.Topics.generations(name)));
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            SqliteTailer tailer = tailer(source, metrics);
            Thread t = new Thread(tailer, "tailer-idle");
            t.start();
            try {
                awaitStreaming(tailer);
                app.setAutoCommit(false);
                for (int i = 1; i <= 30; i++) { // 3 MB in one transaction: past the 1 MiB limit
                    s.execute("INSERT INTO blobs VALUES (" + i + ", randomblob(100000))");
                }
                app.commit();
                app.setAutoCommit(true);
                io.micrometer.core.instrument.Timer quiet = metrics.timer("tributary.capture.quiet.window", "source", name);
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                        .until(() -> quiet.count() > 0 || tailer.failure() != null);
                assertNull(tailer.failure(), "the tailer failed");
                long windows = quiet.count();
                long polls = tailer.polls();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                        .until(() -> tailer.polls() >= polls + 25 || tailer.failure() != null);
                assertNull(tailer.failure(), "the tailer failed");
                assertEquals(windows, quiet.count(), "quiet windows during 25 idle polls after the last one");
            } finally {
                tailer.close();
                t.join(30_000);
            }
            assertNull(tailer.failure());
        }
    }

    private void run(boolean restart) throws Exception {
        run(restart, 64, "checkpoint", 3, 4000);
    }

    /** {@code writerMode}: checkpoint (explicit checkpoints in all four modes) or auto (SQLite's auto-checkpoint only). */
    private SimpleMeterRegistry run(boolean restart, int walLimitMb, String writerMode, long seed, int operations) throws Exception {
        Connection appConnection = null;
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        String name = (restart ? "resume" : "tail") + Long.toHexString(System.nanoTime());
        Path db = dir.resolve("app.db");
        assertEquals(0, writer(db, 1, 300, true).waitFor(), () -> "initial writer failed: " + read(dir.resolve("writer-1.log")));
        List<TableRef> refs = TABLES.stream().map(t -> new TableRef(name, "main", t)).toList();
        PipelineConfig.Source source = new PipelineConfig.Source(name, new PipelineConfig.Sqlite(db, Duration.ofMillis(20), walLimitMb), null, refs);
        List<String> topics = new ArrayList<>(refs.stream().map(TableRef::topic).toList());
        topics.add(io.tributary.schemas.kafka.Topics.positions(name));
        topics.add(io.tributary.schemas.kafka.Topics.generations(name));
        KafkaSetup.ensureTopics(kafka(), topics);

        SqliteTailer first = tailer(source, metrics);
        Thread t1 = new Thread(first, "tailer-1");
        t1.start();
        SqliteTailer second = first;
        Thread t2 = t1;
        if (restart) {
            // stopped mid-stream while the application keeps writing (without checkpoints: a checkpoint past
            // the stored position while no tailer pins the WAL is a gap, announced as a new generation)
            // the application keeps a connection open, so its WAL is not deleted while no tailer is attached
            appConnection = DriverManager.getConnection("jdbc:sqlite:" + db);
            try (Statement s = appConnection.createStatement()) {
                s.executeQuery("SELECT count(*) FROM sqlite_schema").close(); // maps the wal-index: now a connection of the app
            }
            Process w = writer(db, 2, 1500, false, "nocheckpoint");
            long until = System.currentTimeMillis() + 30_000;
            while (first.committedTransactions() < 5 && System.currentTimeMillis() < until) {
                Thread.sleep(5);
            }
            assertTrue(first.committedTransactions() >= 5, "the first tailer streamed before it was stopped");
            first.close();
            t1.join(30_000);
            assertNull(first.failure());
            // the stopped tailer's objects become garbage: a collection now must not close any descriptor that
            // SQLite's locks in this process depend on (it once did: the JDK's cleaner closed the old decoder's
            // -shm and database channels, dropping the second tailer's pin and the wal-index's DMS lock)
            System.gc();
            assertEquals(0, w.waitFor(), () -> "writer failed: " + read(dir.resolve("writer-2.log")));
            second = tailer(source, metrics);
            t2 = new Thread(second, "tailer-2");
            t2.start();
            awaitStreaming(second); // the application's checkpoints below may only run once a tailer pins the WAL again
        }
        Process w = writer(db, seed, operations, false, writerMode);
        long maxWal = 0;
        Path walFile = dir.resolve("app.db-wal");
        while (w.isAlive()) {
            maxWal = Math.max(maxWal, java.nio.file.Files.exists(walFile) ? java.nio.file.Files.size(walFile) : 0);
            Thread.sleep(10);
        }
        assertEquals(0, w.waitFor(), () -> "writer failed: " + read(dir.resolve("writer-" + seed + ".log")));

        Map<String, TableSchema> schemas = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            for (TableRef r : refs) {
                schemas.put(r.table(), PragmaTables.read(c, r));
            }
        }
        Map<String, Map<String, String>> expected = new HashMap<>();
        for (TableRef r : refs) {
            expected.put(r.table(), TopicReplay.select(db, schemas.get(r.table())));
        }
        Map<String, Map<String, String>> replayed = TopicReplay.replayUntilEqual(refs, expected);
        second.close();
        t2.join(30_000);
        assertNull(second.failure());
        if (appConnection != null) {
            appConnection.close();
        }
        assertEquals(0, metrics.counter("tributary.capture.gaps", "source", name).count(), "no gap: continuity was provable");
        for (TableRef r : refs) {
            assertEquals(expected.get(r.table()), replayed.get(r.table()), "replay of " + r.topic() + " equals SELECT *");
        }
        // a figure, not an assertion: how far the WAL grew, against the limit the tailer keeps it to when it can
        System.out.printf("WAL file at most %,d bytes with a limit of %d MiB%n", maxWal, walLimitMb);
        return metrics;
    }
}
