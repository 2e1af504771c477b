package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.capture.sqlite.wal.SqliteTypes;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
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
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads capture-sqlite's per-table topics back for the ITs: replays them (read_committed) into rows, checking
 * that positions grow and every before image is the row as it was, and reads the database the same way.
 */
final class TopicReplay {
    private TopicReplay() {
    }

    /** Reads the topics (read_committed) until the replay equals {@code expected} or 90 s pass; checks images and positions. */
    static Map<String, Map<String, String>> replayUntilEqual(List<TableRef> refs, Map<String, Map<String, String>> expected) {
        Map<String, Map<String, String>> state = new HashMap<>();
        Map<String, Map<String, Map<String, Object>>> images = new HashMap<>();
        Map<String, Position> last = new HashMap<>();
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        Map<String, Object> props = KafkaSetup.base(new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of()));
        props.put("isolation.level", "read_committed");
        props.put("group.id", "replay-" + System.nanoTime());
        props.put("auto.offset.reset", "earliest");
        try (var consumer = new KafkaConsumer<GenericRecord, GenericRecord>(props, new AvroSerde(registry, true), new AvroSerde(registry, false))) {
            consumer.subscribe(refs.stream().map(TableRef::topic).toList());
            long deadline = System.currentTimeMillis() + 90_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<GenericRecord, GenericRecord> rec : consumer.poll(Duration.ofMillis(300))) {
                    if (rec.value() == null) {
                        continue;
                    }
                    String table = rec.topic().substring(rec.topic().lastIndexOf('.') + 1);
                    Map<String, String> rows = state.computeIfAbsent(table, k -> new TreeMap<>());
                    ChangeEvent event = Envelope.read(rec.key(), rec.value());
                    Position pos = event.position();
                    Position prev = last.put(rec.topic(), pos);
                    assertTrue(prev == null || pos.compareTo(prev) > 0, "positions grow on " + rec.topic() + ": " + prev + " then " + pos);
                    String key = canonical(event.keyImage(), event.schema().primaryKey());
                    Op op = event.op();
                    Map<String, Map<String, Object>> tableImages = images.computeIfAbsent(table, k -> new HashMap<>());
                    if (op == Op.UPDATE || op == Op.DELETE) {
                        // the row as it was; a column added since (ALTER TABLE ADD COLUMN) may appear with its default
                        Map<String, Object> before = new HashMap<>(event.before());
                        Map<String, Object> known = tableImages.getOrDefault(key, Map.of());
                        before.keySet().retainAll(known.keySet());
                        assertEquals(rows.get(key), canonical(before, null), "before image of " + key + " on " + rec.topic() + " at " + pos);
                    }
                    if (op == Op.DELETE) {
                        rows.remove(key);
                        tableImages.remove(key);
                    } else {
                        rows.put(key, canonical(event.after(), null));
                        tableImages.put(key, event.after());
                    }
                }
                if (refs.stream().allMatch(r -> expected.get(r.table()).equals(state.getOrDefault(r.table(), Map.of())))) {
                    break;
                }
            }
        }
        return state;
    }

    static Map<String, String> select(Path db, TableSchema schema) throws Exception {
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(SqliteTables.selectAll(schema))) {
            List<Column> cols = schema.columns();
            while (rs.next()) {
                Map<String, Object> row = new HashMap<>();
                for (int i = 0; i < cols.size(); i++) {
                    row.put(cols.get(i).name(), SqliteTypes.contractValue(rs.getObject(i + 1), cols.get(i), schema));
                }
                rows.put(canonical(row, schema.primaryKey()), canonical(row, null));
            }
        }
        return rows;
    }

    /** A row (or, with {@code only}, its key columns) as text: name=value in name order, BLOBs in hex, REALs bit-exact. */
    static String canonical(Map<String, Object> row, List<String> only) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(row).forEach((k, v) -> {
            if (only == null || only.contains(k)) {
                String text = v instanceof ByteBuffer b ? HexFormat.of().formatHex(bytes(b))
                        : v instanceof Double d ? Long.toHexString(Double.doubleToRawLongBits(d)) : String.valueOf(v);
                sb.append(k).append('=').append(text).append(';');
            }
        });
        return sb.toString();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
