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
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

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
        replay(refs, Duration.ofSeconds(90), (table, event) -> {
            Map<String, String> rows = state.computeIfAbsent(table, k -> new TreeMap<>());
            String key = canonical(event.keyImage(), event.schema().primaryKey());
            Op op = event.op();
            Map<String, Map<String, Object>> tableImages = images.computeIfAbsent(table, k -> new HashMap<>());
            if (op == Op.UPDATE || op == Op.DELETE) {
                // the row as it was; a column added since (ALTER TABLE ADD COLUMN) may appear with its default
                Map<String, Object> before = new HashMap<>(event.before());
                Map<String, Object> known = tableImages.getOrDefault(key, Map.of());
                before.keySet().retainAll(known.keySet());
                assertEquals(rows.get(key), canonical(before, null), "before image of " + key + " of " + table + " at " + event.position());
            }
            if (op == Op.DELETE) {
                rows.remove(key);
                tableImages.remove(key);
            } else {
                rows.put(key, canonical(event.after(), null));
                tableImages.put(key, event.after());
            }
        }, atEnd -> refs.stream().allMatch(r -> expected.get(r.table()).equals(state.getOrDefault(r.table(), Map.of()))));
        return state;
    }

    /**
     * Reads the topics from their start (read_committed) and hands on each change event with its table, in each
     * topic's order, after checking that positions grow on every topic. After each poll {@code done} is asked
     * (given whether every topic is read to its end offset); returns whether it held before {@code limit} passed.
     */
    static boolean replay(List<TableRef> refs, Duration limit, BiConsumer<String, ChangeEvent> each, Predicate<Boolean> done) {
        Map<String, Position> last = new HashMap<>();
        SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
        Map<String, Object> props = KafkaSetup.base(new PipelineConfig.Kafka(TestServers.kafkaBootstrap(), 1, 1, Map.of()));
        props.put("isolation.level", "read_committed");
        props.put("max.poll.records", 5000);
        long deadline = System.nanoTime() + limit.toNanos();
        try (var consumer = new KafkaConsumer<GenericRecord, GenericRecord>(props, new AvroSerde(registry, true), new AvroSerde(registry, false))) {
            List<TopicPartition> parts = refs.stream().flatMap(r -> consumer.partitionsFor(r.topic()).stream())
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<GenericRecord, GenericRecord> rec : consumer.poll(Duration.ofMillis(300))) {
                    if (rec.value() == null) {
                        continue;
                    }
                    ChangeEvent event = Envelope.read(rec.key(), rec.value());
                    Position pos = event.position();
                    Position prev = last.put(rec.topic(), pos);
                    assertTrue(prev == null || pos.compareTo(prev) > 0, "positions grow on " + rec.topic() + ": " + prev + " then " + pos);
                    each.accept(rec.topic().substring(rec.topic().lastIndexOf('.') + 1), event);
                }
                boolean atEnd = consumer.endOffsets(parts).entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                if (done.test(atEnd)) {
                    return true;
                }
            }
        }
        return false;
    }

    static Map<String, String> select(Path db, TableSchema schema) throws Exception {
        Map<String, String> rows = new TreeMap<>();
        forEachRow(db, schema, row -> rows.put(canonical(row, schema.primaryKey()), canonical(row, null)));
        return rows;
    }

    /** Hands on each row of the table as the contract's values (see {@link SqliteTypes#contractValue}). */
    static void forEachRow(Path db, TableSchema schema, Consumer<Map<String, Object>> each) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(SqliteTables.selectAll(schema))) {
            List<Column> cols = schema.columns();
            while (rs.next()) {
                Map<String, Object> row = new HashMap<>();
                for (int i = 0; i < cols.size(); i++) {
                    row.put(cols.get(i).name(), SqliteTypes.contractValue(rs.getObject(i + 1), cols.get(i), schema));
                }
                each.accept(row);
            }
        }
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
