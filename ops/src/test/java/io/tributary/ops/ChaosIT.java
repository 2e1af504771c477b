package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.ops.reconcile.Reconciler;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.LocalPostgres;
import io.tributary.testkit.LocalRegistry;
import io.tributary.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "What must hold" of issue 10: while an application keeps writing to a PostgreSQL source (inserts, title-only
 * updates of rows with a TOAST body, body updates, deletes), the sink and the transform are each killed with
 * SIGKILL three times at random points and started again, and the schema registry and the target PostgreSQL
 * are each stopped once and started again. The target must end equal to the source (every row, every column,
 * by reconcile), and the dead-letter topics must hold nothing the source still has.
 *
 * <p>The deployables run in JVMs of their own ({@link ChildDeployable}), so a kill is a real {@code kill -9}.
 * The registry keeps its schemas in PostgreSQL (a production registry's restart keeps them) and the target is
 * a PostgreSQL server of its own, so that restarting it leaves the source alone. The points are drawn from a
 * seed, printed; {@code -Dtributary.it.chaos.seed=N} repeats a run's plan. Points are counted in the
 * workload's transactions, so the plan is the same on a fast and a busy machine; every wait is bounded.
 */
class ChaosIT {
    static final long SEED = Long.getLong("tributary.it.chaos.seed", System.nanoTime());
    static final int TRANSACTIONS = Integer.getInteger("tributary.it.chaos.transactions", 1_200);
    static final int ROWS = 200;

    @TempDir
    Path dir;

    private enum Action { KILL_SINK, START_SINK, KILL_TRANSFORM, START_TRANSFORM, STOP_REGISTRY, START_REGISTRY, STOP_TARGET, START_TARGET }

    private record Step(long at, Action action) {
    }

    @Test
    void killsOfTheSinkAndTheTransformAndRestartsOfTheRegistryAndTheTargetLoseNothing() throws Exception {
        System.out.println("ChaosIT seed=" + SEED + " (repeat with -Dtributary.it.chaos.seed=" + SEED + ")");
        Random random = new Random(SEED);
        List<Step> plan = plan(random);
        System.out.println("ChaosIT plan (at workload transaction): " + plan);

        String source = "chaos" + Long.toHexString(System.nanoTime());
        PostgresScenario.sql(TestServers.postgresUrl(), "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                + "WHERE database = 'it_chaos_src' AND NOT active"); // a slot an earlier run left would keep the database from being dropped
        String sourceUrl = TestServers.newDatabase("it_chaos_src");
        PostgresScenario.sql(sourceUrl, "CREATE TABLE docs (id bigint PRIMARY KEY, title text NOT NULL, body text NOT NULL, n int NOT NULL)");
        PostgresScenario.sql(sourceUrl, "INSERT INTO docs SELECT i, 'title ' || i, " + body("i") + ", 0 FROM generate_series(1, " + ROWS + ") i");
        LocalPostgres target = LocalPostgres.startPersistent(dir.resolve("target-pg"));
        LocalRegistry registry = LocalRegistry.startPersistent(dir.resolve("registry"), TestServers.newDatabase("it_chaos_registry"));
        Path file = dir.resolve("pipeline.yaml");
        int[] ports = {ChildDeployable.freePort(), ChildDeployable.freePort(), ChildDeployable.freePort()};
        String service = source + "-svc";
        Files.writeString(file, """
                kafka:
                  bootstrap: "%s"
                  # a killed member is noticed in seconds, not the default 45 s
                  properties: { session.timeout.ms: "6000", heartbeat.interval.ms: "1500" }
                registry: { url: "%s" }
                http: { capture-postgres: %d, transform: %d, sink: %d }
                sources:
                  - name: %s
                    postgres: { url: "%s", user: postgres, slot: %s, publication: %s }
                    tables: [public.docs]
                services:
                  - name: %s
                    target: { url: "%s", user: postgres }
                    tables: [%s.public.docs]
                """.formatted(TestServers.kafkaBootstrap(), registry.url(), ports[0], ports[1], ports[2], source, sourceUrl, source, source, service,
                target.jdbcUrl("postgres"), source));
        PipelineConfig config = PipelineConfigLoader.load(file, Map.of());

        Path logs = Files.createDirectories(Path.of("target", "chaos-logs", source)); // kept after the run, for a failure's story
        System.out.println("ChaosIT deployables' logs: " + logs.toAbsolutePath());
        ChildDeployable capture = new ChildDeployable("capture-postgres", file, logs, ports[0]);
        ChildDeployable transform = new ChildDeployable("transform", file, logs, ports[1]);
        ChildDeployable sink = new ChildDeployable("sink", file, logs, ports[2]);
        List<ChildDeployable> all = List.of(capture, transform, sink);
        try (AutoCloseable stopTarget = target::close; AutoCloseable stopRegistry = registry::close;
             AutoCloseable stopAll = () -> { for (ChildDeployable d : all) { d.close(); } }) {
            for (ChildDeployable d : all) {
                d.start();
            }
            List<ChildDeployable> down = new ArrayList<>();
            CompletableFuture<Void> registryBack = CompletableFuture.completedFuture(null);
            boolean registryDown = false;
            boolean targetDown = false;
            // the chaos starts once the pipeline runs: the first rows arrived
            PostgresScenario.await(() -> {
                supervise(all, down);
                return Reconciler.reconcile(config).stream().allMatch(TableReport::matches);
            }, Duration.ofSeconds(300), "the pipeline copies the first " + ROWS + " rows");
            try (Workload workload = new Workload(sourceUrl, Duration.ofMillis(20), chaosStep(ROWS, new Random(random.nextLong())))) {
                for (Step step : plan) {
                    PostgresScenario.await(() -> { supervise(all, down); return workload.transactions() >= step.at() || workload.failed(); },
                            Duration.ofSeconds(300),
                            "the workload reaches transaction " + step.at());
                    ChildDeployable victim = switch (step.action()) {
                        case KILL_SINK -> sink;
                        case KILL_TRANSFORM -> transform;
                        default -> null;
                    };
                    if (victim != null && !registryDown && !targetDown) { // killed while doing its job, not while starting
                        PostgresScenario.await(() -> { supervise(all, down); return victim.ready(); }, Duration.ofSeconds(300),
                                victim.name() + " is ready");
                    }
                    supervise(all, down);
                    System.out.println("ChaosIT at transaction " + workload.transactions() + ": " + step.action());
                    switch (step.action()) {
                        case KILL_SINK -> { sink.kill(); down.add(sink); }
                        case START_SINK -> { sink.start(); down.remove(sink); }
                        case KILL_TRANSFORM -> { transform.kill(); down.add(transform); }
                        case START_TRANSFORM -> { transform.start(); down.remove(transform); }
                        case STOP_REGISTRY -> { registry.stop(); registryDown = true; }
                        case START_REGISTRY -> { // ~20 s: the plan goes on meanwhile
                            registryBack = CompletableFuture.runAsync(() -> startAgain(registry));
                            registryDown = false;
                        }
                        case STOP_TARGET -> { target.stop(); targetDown = true; }
                        case START_TARGET -> { target.startAgain(); targetDown = false; }
                    }
                }
                PostgresScenario.await(() -> { supervise(all, down); return workload.transactions() >= TRANSACTIONS || workload.failed(); },
                        Duration.ofSeconds(300),
                        "the workload reaches transaction " + TRANSACTIONS);
            }
            registryBack.get(180, TimeUnit.SECONDS);
            List<TableReport> last = new ArrayList<>();
            PostgresScenario.await(() -> {
                supervise(all, List.of());
                last.clear();
                last.addAll(Reconciler.reconcile(config));
                return last.stream().allMatch(TableReport::matches);
            }, Duration.ofSeconds(600), "the target equals the source");
            System.out.println("ChaosIT: target equals source, " + PostgresScenario.value(sourceUrl, "SELECT count(*) FROM docs") + " rows");
            assertEquals(List.of(), deadLettersTheSourceStillHas(config, sourceUrl, List.of(
                    Topics.deadLetters("transform", service), Topics.deadLetters("sink", service))));
        }
    }

    /** Three kills of the sink and of the transform, each followed by a start; one stop and start of the registry and of the target. */
    private static List<Step> plan(Random random) {
        List<Step> plan = new ArrayList<>();
        long span = (TRANSACTIONS - 100) / 3;
        for (int i = 0; i < 3; i++) {
            long from = 50 + i * span;
            long kill = from + random.nextLong(span / 2);
            plan.add(new Step(kill, Action.KILL_SINK));
            plan.add(new Step(kill + 1 + random.nextLong(span / 3), Action.START_SINK));
            kill = from + random.nextLong(span / 2);
            plan.add(new Step(kill, Action.KILL_TRANSFORM));
            plan.add(new Step(kill + 1 + random.nextLong(span / 3), Action.START_TRANSFORM));
        }
        long stop = 50 + random.nextLong(TRANSACTIONS - 300);
        plan.add(new Step(stop, Action.STOP_REGISTRY));
        plan.add(new Step(stop + 20 + random.nextLong(100), Action.START_REGISTRY));
        stop = 50 + random.nextLong(TRANSACTIONS - 300);
        plan.add(new Step(stop, Action.STOP_TARGET));
        plan.add(new Step(stop + 20 + random.nextLong(100), Action.START_TARGET));
        plan.sort(Comparator.comparingLong(Step::at).thenComparing(Step::action));
        return plan;
    }

    private static void supervise(List<ChildDeployable> all, List<ChildDeployable> killed) throws Exception {
        ChildDeployable.supervise("ChaosIT", all, killed);
    }

    private static void startAgain(LocalRegistry registry) {
        try {
            registry.startAgain();
        } catch (Exception e) {
            throw new IllegalStateException("the registry did not start again: " + e, e);
        }
    }

    /** An incompressible text of 9,600 characters made from the SQL expression {@code seed}: stored out of line (TOAST). */
    private static String body(String seed) {
        return "(SELECT string_agg(md5(" + seed + " || ':' || g), '') FROM generate_series(1, 300) g)";
    }

    /** The keys of dead letters on {@code topics} whose row the source still has, with the topic. */
    private static List<String> deadLettersTheSourceStillHas(PipelineConfig config, String sourceUrl, List<String> topics) throws Exception {
        List<String> found = new ArrayList<>();
        long read = 0;
        AvroSerde keys = new AvroSerde(new SchemaRegistryClient(config.registry().url()), true);
        Properties p = new Properties();
        p.put("bootstrap.servers", TestServers.kafkaBootstrap());
        p.put("enable.auto.commit", "false");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestServers.kafkaBootstrap()));
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             Connection c = DriverManager.getConnection(sourceUrl, "postgres", "");
             PreparedStatement has = c.prepareStatement("SELECT 1 FROM docs WHERE id = ?")) {
            var existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            for (String topic : topics) {
                if (!existing.contains(topic)) {
                    continue;
                }
                TopicPartition tp = new TopicPartition(topic, 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (consumer.position(tp) < end) {
                    assertTrue(System.nanoTime() < deadline, "could not read " + topic + " within 60 s");
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        read++;
                        GenericRecord key = keys.deserialize(topic, r.key());
                        has.setLong(1, (Long) key.get("id"));
                        try (ResultSet rs = has.executeQuery()) {
                            if (rs.next()) {
                                found.add(topic + " id=" + key.get("id"));
                            }
                        }
                    }
                }
            }
        }
        System.out.println("ChaosIT: " + read + " dead letters, " + found.size() + " of them for rows the source still has");
        return found;
    }

    /**
     * The application's transaction, its choices drawn from {@code random}: an insert (a TOAST body or a short
     * one), a title-only update (PostgreSQL leaves the body out of the change), a body update or a delete, of
     * ids up to the highest inserted.
     */
    private static Workload.Step chaosStep(long existing, Random random) {
        long[] next = {existing + 1};
        return (s, done) -> {
            int dice = random.nextInt(100);
            long id = 1 + random.nextLong(next[0] - 1);
            if (dice < 35) {
                long n = next[0]++;
                s.execute("INSERT INTO docs VALUES (" + n + ", 'title " + n + "', " + (random.nextBoolean() ? body(String.valueOf(n)) : "'short'") + ", 0)");
            } else if (dice < 70) {
                s.execute("UPDATE docs SET title = title || '+', n = n + 1 WHERE id = " + id);
            } else if (dice < 85) {
                s.execute("UPDATE docs SET body = " + body("'" + id + "-" + done + "'") + ", n = n + 1 WHERE id = " + id);
            } else {
                s.execute("DELETE FROM docs WHERE id = " + id);
            }
        };
    }
}
