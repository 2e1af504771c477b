package io.tributary.examples.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * examples/python-consumer/consumer.py against a real broker and registry: events written by Tributary's own
 * producer come out as the JSON lines docs/consuming.md describes, every contract type converted, the
 * unchanged column left out, the tombstone after the delete shown with its key. Skipped, with the reason,
 * where no Python 3 with confluent-kafka and avro is installed (.ci/run installs Debian's packages).
 */
class PythonConsumerIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void thePythonConsumerDecodesTheWireFormatAndEveryContractType() throws Exception {
        String python = python();
        String source = "py" + UUID.randomUUID().toString().substring(0, 8);
        TableSchema trades = trades(source);
        String topic = trades.table().topic();
        TestServers.createTopics(topic);
        PipelineConfig.Kafka kafka = new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of());
        try (ChangeEventWriter writer = new ChangeEventWriter(kafka, new SchemaRegistryClient(TestServers.registryUrl()), new SimpleMeterRegistry())) {
            events(trades).forEach(writer::write);
            writer.flush();
        }

        List<JsonNode> lines = consume(python, topic, "py-" + source, 4);
        String fullRow = """
                {"id": 7, "qty": "1.50000000", "fee": "NaN", "small": -32768, "ok": true, "day": "2024-02-29",
                 "at_time": "12:34:56.000001", "local_at": "2024-02-29T23:59:59.123456", "executed_at": "1969-12-31T23:59:59.999999Z",
                 "blob": "00ff10", "uid": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "meta": "{\\"a\\":  [1, 2.50]}", "notes": "naïve ✓"}""";
        String updatedRow = fullRow.replace("\"qty\": \"1.50000000\"", "\"qty\": \"2.00000000\"").replace(", \"notes\": \"naïve ✓\"", "");
        String deletedRow = updatedRow.substring(0, updatedRow.lastIndexOf('}')) + ", \"notes\": null}"; // the before image has every column
        expect(lines.get(0), topic, 0, "r", "null", fullRow, List.of(), "true", 1_700_000_000_000L, null, null, "[0, 0, 0, 1]", 1_700_000_000_500L);
        expect(lines.get(1), topic, 1, "u", fullRow, updatedRow, List.of("notes"), "false", 1_700_000_001_000L, 42L, 120L, "[0, 100, 120, 0]",
                1_700_000_001_200L);
        expect(lines.get(2), topic, 2, "d", deletedRow, "null", List.of(), "false", 1_700_000_002_000L, 43L, 140L, "[0, 120, 140, 0]",
                1_700_000_002_300L);
        assertEquals(JSON.readTree("{\"topic\": \"" + topic + "\", \"partition\": 0, \"offset\": 3, \"tombstone\": true, \"key\": {\"id\": 7}}"),
                lines.get(3));
    }

    /** A table with a column of each contract type (INT32 and FLOAT32 decode as INT16 and FLOAT64 do). */
    private static TableSchema trades(String source) {
        return new TableSchema(new TableRef(source, "public", "trades"), List.of(
                new Column("id", ColumnType.INT64, "int8", false),
                new Column("qty", ColumnType.DECIMAL, "numeric(18,8)", false),
                new Column("fee", ColumnType.FLOAT64, "float8", true),
                new Column("small", ColumnType.INT16, "int2", true),
                new Column("ok", ColumnType.BOOLEAN, "bool", true),
                new Column("day", ColumnType.DATE, "date", true),
                new Column("at_time", ColumnType.TIME, "time", true),
                new Column("local_at", ColumnType.TIMESTAMP, "timestamp", true),
                new Column("executed_at", ColumnType.TIMESTAMPTZ, "timestamptz", true),
                new Column("blob", ColumnType.BYTES, "bytea", true),
                new Column("uid", ColumnType.UUID, "uuid", true),
                new Column("meta", ColumnType.JSON, "jsonb", true),
                new Column("notes", ColumnType.TEXT, "text", true)), List.of("id"));
    }

    /** A snapshot read, an update that leaves {@code notes} unchanged (TOAST), and a delete (the writer adds the tombstone). */
    private static List<ChangeEvent> events(TableSchema trades) {
        Map<String, Object> full = row(7, "1.50000000");
        full.putAll(Map.of("fee", Double.NaN, "small", -32768, "ok", true, "day", 19782, "at_time", 45_296_000_001L,
                "local_at", 1_709_251_199_123_456L, "executed_at", -1L, "blob", ByteBuffer.wrap(new byte[] {0, (byte) 0xff, 0x10}),
                "uid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "meta", "{\"a\":  [1, 2.50]}"));
        full.put("notes", "naïve ✓");
        Map<String, Object> updated = new HashMap<>(full);
        updated.put("qty", "2.00000000");
        updated.put("notes", null); // unchanged: the source did not send it
        return List.of(
                new ChangeEvent(trades, Op.READ, null, full, Position.of(0, 0, 0, 1), 1_700_000_000_000L, "true", "postgresql", "mono", null, null,
                        List.of(), 1_700_000_000_500L),
                new ChangeEvent(trades, Op.UPDATE, full, updated, Position.of(0, 100, 120, 0), 1_700_000_001_000L, "false", "postgresql", "mono",
                        42L, 120L, List.of("notes"), 1_700_000_001_200L),
                new ChangeEvent(trades, Op.DELETE, updated, null, Position.of(0, 120, 140, 0), 1_700_000_002_000L, "false", "postgresql", "mono",
                        43L, 140L, List.of(), 1_700_000_002_300L));
    }

    /** Runs consumer.py until it has printed {@code lines} lines (at most 60 s without a record) and parses them. */
    private static List<JsonNode> consume(String python, String topic, String group, int lines) throws Exception {
        Process p = new ProcessBuilder(python, script().toString(), "--bootstrap", TestServers.kafkaBootstrap(), "--registry", TestServers.registryUrl(),
                "--topic", topic, "--group", group, "--tombstones", "--max-events", String.valueOf(lines), "--idle-timeout", "60")
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "consumer.py ended");
        assertEquals(0, p.exitValue(), "consumer.py exit code; stderr:\n" + err);
        List<JsonNode> parsed = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (!l.isBlank()) {
                parsed.add(JSON.readTree(l));
            }
        }
        assertEquals(lines, parsed.size(), "three events and the tombstone after the delete:\n" + out + "\nstderr:\n" + err);
        return parsed;
    }

    private static void expect(JsonNode line, String topic, long offset, String op, String before, String after, List<String> unchanged,
                               String snapshot, long commitTs, Long txId, Long lsn, String pos, long tsMs) throws Exception {
        String table = topic.substring(topic.lastIndexOf('.') + 1);
        String source = topic.substring(0, topic.indexOf('.'));
        JsonNode expected = JSON.readTree("""
                {"topic": "%s", "partition": 0, "offset": %d, "op": "%s", "key": {"id": 7}, "before": %s, "after": %s, "unchanged": %s,
                 "source": {"connector": "postgresql", "name": "%s", "db": "mono", "schema": "public", "table": "%s", "snapshot": "%s",
                            "ts_ms": %d, "txId": %s, "lsn": %s, "pos": %s},
                 "ts_ms": %d}""".formatted(topic, offset, op, before, after, JSON.writeValueAsString(unchanged), source, table, snapshot,
                commitTs, txId, lsn, pos, tsMs));
        assertEquals(expected, line, "line at offset " + offset);
    }

    private static Map<String, Object> row(long id, String qty) {
        Map<String, Object> m = new HashMap<>();
        for (String c : List.of("fee", "small", "ok", "day", "at_time", "local_at", "executed_at", "blob", "uid", "meta", "notes")) {
            m.put(c, null);
        }
        m.put("id", id);
        m.put("qty", qty);
        return m;
    }

    /**
     * A Python 3 that has confluent-kafka and avro: $TRIBUTARY_PYTHON, else python3 on the PATH, else Debian's own
     * interpreter, where python3-confluent-kafka and python3-avro install (a PATH python3 may be another one).
     */
    private static String python() throws Exception {
        List<String> candidates = new ArrayList<>();
        if (System.getenv("TRIBUTARY_PYTHON") != null) {
            candidates.add(System.getenv("TRIBUTARY_PYTHON"));
        }
        candidates.addAll(List.of("python3", "/usr/bin/python3"));
        for (String c : candidates) {
            try {
                Process p = new ProcessBuilder(c, "-c", "import confluent_kafka, avro").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return c;
                }
            } catch (java.io.IOException notThere) {
                // try the next candidate
            }
        }
        Assumptions.abort("no Python 3 with confluent-kafka and avro among " + candidates
                + " (Debian: apt-get install python3-confluent-kafka python3-avro; .ci/run does)");
        return null;
    }

    /** examples/python-consumer/consumer.py, found from the working directory up. */
    private static Path script() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path s = p.resolve("examples/python-consumer/consumer.py");
            if (Files.isRegularFile(s)) {
                return s;
            }
        }
        throw new IllegalStateException("examples/python-consumer/consumer.py not found above " + Path.of("").toAbsolutePath());
    }
}
