package io.tributary.ops.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tributary tail} prints a real topic's events (and the tombstone after a delete) as JSON lines, nothing else. */
class TailIT {
    @TempDir
    Path dir;

    @Test
    void printsDecodedEventsAsJsonLines() throws Exception {
        String source = "tail" + Long.toHexString(System.nanoTime());
        TableSchema t = new TableSchema(new TableRef(source, "main", "blobs"), List.of(
                new Column("id", ColumnType.INT64, "INTEGER", false),
                new Column("data", ColumnType.BYTES, "BLOB", true),
                new Column("price", ColumnType.DECIMAL, "numeric(10,2)", true)), List.of("id"));
        TestServers.createTopics(t.table().topic());
        PipelineConfig.Kafka kafka = new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of());
        try (ChangeEventWriter w = new ChangeEventWriter(kafka, new SchemaRegistryClient(TestServers.registryUrl()), new SimpleMeterRegistry())) {
            w.write(new ChangeEvent(t, Op.CREATE, null, row(1, new byte[] {0, (byte) 0xff}, "12.50"), Position.of(1, 0, 5, 0), 1000L, "false", "sqlite", "db", null, null));
            w.write(new ChangeEvent(t, Op.DELETE, row(1, null, null), null, Position.of(1, 0, 6, 0), 2000L, "false", "sqlite", "db", null, null));
            w.flush();
        }
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, """
                kafka: { bootstrap: "%s" }
                registry: { url: "%s" }
                sources:
                  - name: %s
                    sqlite: { path: "%s" }
                    tables: [blobs]
                services:
                  - name: reader
                    target: { url: "%s", user: postgres }
                    tables: [%s.main.blobs]
                """.formatted(TestServers.kafkaBootstrap(), TestServers.registryUrl(), source, dir.resolve("x.db"), TestServers.postgresUrl(), source));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = TributaryCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        assertEquals(0, cl.execute("tail", t.table().topic(), "--config", file.toString(), "--from-beginning", "--max", "3"), err.toString());

        List<JsonNode> lines = out.toString().lines().map(TailIT::json).toList();
        assertEquals(3, lines.size(), out.toString());
        assertEquals("c", lines.get(0).path("op").asText());
        assertEquals("\\x00ff", lines.get(0).path("after").path("data").asText());
        assertEquals("12.50", lines.get(0).path("after").path("price").asText());
        assertEquals(List.of(1L, 0L, 5L, 0L), List.of(lines.get(0).path("position").get(0).asLong(), lines.get(0).path("position").get(1).asLong(),
                lines.get(0).path("position").get(2).asLong(), lines.get(0).path("position").get(3).asLong()));
        assertEquals("d", lines.get(1).path("op").asText());
        assertTrue(lines.get(1).path("after").isNull());
        assertTrue(lines.get(2).path("tombstone").asBoolean(), lines.get(2).toString());
        assertEquals(1L, lines.get(2).path("key").path("id").asLong());
    }

    private static JsonNode json(String line) {
        try {
            return new ObjectMapper().readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }

    private static Map<String, Object> row(long id, byte[] data, String price) {
        Map<String, Object> m = new HashMap<>();
        m.put("id", id);
        m.put("data", data == null ? null : ByteBuffer.wrap(data));
        m.put("price", price);
        return m;
    }
}
