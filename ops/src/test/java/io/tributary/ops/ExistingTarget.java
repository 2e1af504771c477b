package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.ops.reconcile.Difference;
import io.tributary.ops.reconcile.Reconciler;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.sink.postgres.ServiceSink;
import io.tributary.testkit.Sql;
import io.tributary.testkit.TestServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;

/**
 * A service's target schema created first by its own migrations, from DDL like the migration plans' (SERIAL,
 * INTEGER, VARCHAR(n), JSONB, TIMESTAMP, DECIMAL(20,6), a CHECK, a foreign key, a composite key, an index),
 * and the story the sink must get through with it for either source kind: filled while the source keeps
 * writing, bad values dead-lettered and named by reconcile, the application taking over, then detach leaving
 * the schema exactly as the DDL made it.
 *
 * <p>The source has the same two tables in its own types (a SQLite INTEGER, TEXT, DATETIME and REAL, or
 * PostgreSQL's bigint, text, timestamp and double precision): {@code experiments (id, name, config,
 * created_at, active)} and {@code metrics (experiment_id, step, recorded_at, value, price)}, whose
 * {@code recorded_at} the service calls {@code time} ({@link #OPTIONS}). Before the application takes over,
 * {@code tributary cutover} must say go.
 */
final class ExistingTarget {
    static final String DDL = """
            CREATE TABLE experiments (id SERIAL PRIMARY KEY, name VARCHAR(32) NOT NULL, config JSONB, created_at TIMESTAMP NOT NULL,
                active BOOLEAN NOT NULL DEFAULT true, CONSTRAINT experiments_name_not_blank CHECK (name <> ''));
            CREATE TABLE metrics (experiment_id INTEGER NOT NULL REFERENCES experiments (id), step INTEGER NOT NULL, time TIMESTAMP NOT NULL,
                value DOUBLE PRECISION, price DECIMAL(20,6), PRIMARY KEY (experiment_id, step));
            CREATE INDEX metrics_time ON metrics (time);
            """;
    private static final String SHAPE = """
            SELECT 'column', table_name || '.' || column_name, concat_ws(' ', data_type, character_maximum_length, numeric_precision,
                numeric_scale, is_nullable, column_default) FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL SELECT 'relation', relname, relkind::text FROM pg_class WHERE relnamespace = 'public'::regnamespace
            UNION ALL SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid) FROM pg_constraint
                WHERE connamespace = 'public'::regnamespace
            UNION ALL SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
            ORDER BY 1, 2, 3""";
    /** The service's own name for a source column: the source's {@code metrics.recorded_at} is the target's {@code time}. */
    static final String OPTIONS = """
                options:
                  metrics:
                    rename: { recorded_at: time }
            """;
    static final int EXPERIMENTS = 40;
    private final String url;
    private final List<List<String>> created;

    /** Runs the DDL in the target at {@code url} and remembers the schema it made. */
    ExistingTarget(String url) throws Exception {
        this.url = url;
        PostgresScenario.sql(url, DDL);
        this.created = Sql.rows(url, SHAPE);
    }

    String url() {
        return url;
    }

    /** The source's first rows: {@link #EXPERIMENTS} experiments with three metrics each. */
    static void seed(String sourceUrl) throws Exception {
        try (Connection c = DriverManager.getConnection(sourceUrl, "postgres", ""); Statement s = c.createStatement()) {
            for (int i = 1; i <= EXPERIMENTS; i++) {
                s.execute(experiment(i, "exp" + i, "'{\"lr\": 0." + i + ", \"layers\": [" + i + ", 2]}'"));
                for (int step = 1; step <= 3; step++) {
                    s.execute(metric(i, step));
                }
            }
        }
    }

    private static String experiment(long id, String name, String config) {
        return "INSERT INTO experiments (id, name, config, created_at, active) VALUES (" + id + ", '" + name + "', " + config
                + ", '2024-05-01 10:00:0" + id % 10 + "." + (id % 7) * 125 + "', " + (id % 2 == 0) + ")";
    }

    private static String metric(long experiment, long step) {
        return "INSERT INTO metrics VALUES (" + experiment + ", " + step + ", '2024-05-02 1" + step % 10 + ":00:00.5', " + step / 3.0 + ", "
                + (experiment * 0.25 + step) + ")";
    }

    /** The whole story; {@code sourceUrl} is the source's JDBC URL, {@code file} and {@code config} the pipeline's. */
    void fillUseAndDetach(Path file, PipelineConfig config, String sourceUrl) throws Exception {
        PipelineConfig.Service service = config.services().get(0);
        try (PipelineRunner runner = new PipelineRunner(file)) {
            try (Workload app = new Workload(sourceUrl, Duration.ofMillis(20), (s, done) -> {
                long id = 1000 + done;
                s.execute(experiment(id, "w" + done, "'{\"n\": " + done + "}'"));
                s.execute(metric(id, 1));
                s.execute("UPDATE experiments SET active = NOT active, name = 'u" + done + "' WHERE id = " + (done % EXPERIMENTS + 1));
                s.execute("UPDATE metrics SET value = " + done + ".5 WHERE experiment_id = " + (done % EXPERIMENTS + 1) + " AND step = 2");
            })) {
                PostgresScenario.await(() -> app.transactions() >= 100 || app.failed(), Duration.ofSeconds(120), "the source's 100 transactions");
            }
            awaitMatch(runner, config);
            badValuesAreDeadLettersThatReconcileNames(runner, config, service, sourceUrl);
            assertEquals(TributaryCommand.OK, command("cutover", "--config", file.toString(), "--service", service.name(), "--settle", "0",
                    "--fence-timeout", "300s"), "cutover says go: the target holds everything the source had when it started");
            PostgresScenario.await(() -> "t".equals(value("SELECT (SELECT last_value FROM experiments_id_seq) >= (SELECT max(id) FROM experiments)")),
                    Duration.ofSeconds(60), "the sink moving the serial sequence past the largest id loaded");
            assertEquals(TributaryCommand.FAILED, detach(file, service), "detach is refused while the service's sink runs");
            assertTrue(value("SELECT to_regclass('_tributary_floor')") != null, "a refused detach changes nothing");
        }
        playTheApplication();
        PostgresScenario.await(() -> detach(file, service) == TributaryCommand.OK, Duration.ofSeconds(60), "detach once the sink has stopped");
        assertEquals(created, Sql.rows(url, SHAPE), "after detach the schema (columns, relations, constraints, indexes) is as the DDL made it");
        playTheApplication();
    }

    private static void awaitMatch(PipelineRunner runner, PipelineConfig config) throws Exception {
        List<TableReport> last = runner.awaitMatch(config, Duration.ofSeconds(180));
        assertTrue(last.stream().allMatch(TableReport::matches), "target did not match the source within 180 s: " + last);
    }

    /**
     * A value out of range of the target's INTEGER, a name longer than its VARCHAR(32) and a config that is not
     * JSON: each a dead letter with the reason, the rows around them arrive, reconcile names the three rows as
     * missing; once the source drops them again the target is equal.
     */
    private void badValuesAreDeadLettersThatReconcileNames(PipelineRunner runner, PipelineConfig config, PipelineConfig.Service service,
                                                           String sourceUrl) throws Exception {
        String topic = ServiceSink.deadLetterTopic(service);
        int before = deadLetters(topic).size();
        try (Connection c = DriverManager.getConnection(sourceUrl, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(experiment(900, "x".repeat(40), "NULL"));
            s.execute(experiment(901, "broken", "'{\"lr\": oops'"));
            s.execute(metric(1, 3_000_000_000L));
            s.execute(experiment(902, "fine", "'[]'"));
        }
        PostgresScenario.await(() -> deadLetters(topic).size() >= before + 3, Duration.ofSeconds(120), "three dead letters");
        List<String> reasons = deadLetters(topic).subList(before, before + 3);
        assertTrue(reasons.stream().anyMatch(r -> r.contains("column step of target table metrics (integer): a value out of range")), reasons.toString());
        assertTrue(reasons.stream().anyMatch(r -> r.contains("column name of target table experiments") && r.contains("40 characters")), reasons.toString());
        assertTrue(reasons.stream().anyMatch(r -> r.contains("column config of target table experiments") && r.contains("not a JSON document")),
                reasons.toString());
        PostgresScenario.await(() -> "1".equals(value("SELECT count(*) FROM experiments WHERE id = 902")), Duration.ofSeconds(60), "the row after them");
        Map<String, List<List<String>>> missing = new TreeMap<>();
        for (TableReport r : Reconciler.reconcile(config)) {
            missing.put(r.table().substring(r.table().lastIndexOf('.') + 1), r.differences().stream().filter(d -> d.kind() == Difference.Kind.MISSING).map(Difference::key).toList());
            assertEquals(0, r.changed() + r.extra(), r.toString());
        }
        assertEquals(List.of(List.of("900"), List.of("901")), missing.get("experiments"), missing.toString());
        assertEquals(List.of(List.of("1", "3000000000")), missing.get("metrics"), missing.toString());
        try (Connection c = DriverManager.getConnection(sourceUrl, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("DELETE FROM metrics WHERE step = 3000000000");
            s.execute("DELETE FROM experiments WHERE id IN (900, 901)");
            s.execute(metric(902, 1)); // after the deletes on the same topic: once it is in, they were applied
        }
        PostgresScenario.await(() -> "1".equals(value("SELECT count(*) FROM metrics WHERE experiment_id = 902")), Duration.ofSeconds(60),
                "the metric written after the deletes");
        awaitMatch(runner, config);
        assertEquals(before + 3, deadLetters(topic).size(), "deleting the rows the target never had is no dead letter");
    }

    /** The service after the switch: inserts without naming the key, updates and deletes, each must succeed. */
    private void playTheApplication() throws Exception {
        long highest = Long.parseLong(value("SELECT max(id) FROM experiments"));
        long id = Long.parseLong(value("INSERT INTO experiments (name, config, created_at) VALUES ('app', '{\"by\": \"app\"}', now()) RETURNING id"));
        assertTrue(id > highest, "the sequence continues past the highest key: " + id + " after " + highest);
        PostgresScenario.sql(url, "INSERT INTO metrics (experiment_id, step, time, value, price) VALUES (" + id + ", 1, now(), 1.5, 2.25)");
        assertEquals("1", value("WITH u AS (UPDATE experiments SET name = 'renamed', active = false WHERE id = 1 RETURNING 1) SELECT count(*) FROM u"));
        assertEquals("1", value("WITH u AS (UPDATE metrics SET price = price + 1 WHERE experiment_id = 1 AND step = 1 RETURNING 1) SELECT count(*) FROM u"));
        PostgresScenario.sql(url, "DELETE FROM metrics WHERE experiment_id = " + id + "; DELETE FROM experiments WHERE id = " + id);
    }

    private String value(String sql) throws Exception {
        List<List<String>> rows = Sql.rows(url, sql);
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }

    private static int detach(Path file, PipelineConfig.Service service) {
        return command("detach", "--config", file.toString(), "--service", service.name());
    }

    /** Runs {@code tributary <args>}, its error output printed for the test's log; the exit code. */
    private static int command(String... args) {
        CommandLine cl = TributaryCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        System.err.println(args[0] + " exit=" + code + ":\n" + err);
        return code;
    }

    /** The reasons of every dead letter on {@code topic}, in order. */
    private static List<String> deadLetters(String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", TestServers.kafkaBootstrap());
        p.put("enable.auto.commit", "false");
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (c.position(tp) < end) {
                assertTrue(System.nanoTime() < deadline, "could not read " + topic + " to offset " + end + " within 60 s");
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(new String(r.headers().lastHeader("tributary.error").value(), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }
}
