package io.tributary.sink.postgres;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.TestServers;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds real events for sink tests: encoded in the wire format through the real registry, then decoded. */
final class SinkEvents {
    static final TableSchema ITEMS = new TableSchema(new TableRef("src", "public", "items"), List.of(
            new Column("id", ColumnType.INT64, "INT8", false),
            new Column("name", ColumnType.TEXT, "TEXT", true),
            new Column("qty", ColumnType.DECIMAL, "NUMERIC(12,4)", true),
            new Column("price", ColumnType.FLOAT64, "FLOAT8", true),
            new Column("updated_at", ColumnType.TIMESTAMPTZ, "TIMESTAMPTZ", true),
            new Column("notes", ColumnType.TEXT, "TEXT", true)), List.of("id"));

    private final SchemaRegistryClient registry = new SchemaRegistryClient(TestServers.registryUrl());
    private final AvroSerde keys = new AvroSerde(registry, true);
    private final AvroSerde values = new AvroSerde(registry, false);
    final EventDecoder decoder = new EventDecoder(registry);
    private long offset;

    static PipelineConfig.Service service(String url, Map<String, PipelineConfig.TableOptions> options, Duration parkTimeout) {
        return new PipelineConfig.Service("svc", "g", new PipelineConfig.Database(url, "postgres", Secret.NONE),
                List.of(ITEMS.table()), options, parkTimeout);
    }

    static Map<String, Object> item(long id, String name, String qty, Double price, Long updatedMicros, String notes) {
        Map<String, Object> m = new HashMap<>();
        m.put("id", id);
        m.put("name", name);
        m.put("qty", qty);
        m.put("price", price);
        m.put("updated_at", updatedMicros);
        m.put("notes", notes);
        return m;
    }

    SinkEvent event(TableSchema t, Op op, Map<String, Object> before, Map<String, Object> after, long pos, List<String> unchanged) {
        return event(t, op, before, after, Position.of(0, pos, pos, 0), unchanged);
    }

    SinkEvent event(TableSchema t, Op op, Map<String, Object> before, Map<String, Object> after, Position position, List<String> unchanged) {
        return event("svc", t, op, before, after, position, unchanged);
    }

    /** An event read from {@code service}'s topic of the table. */
    SinkEvent event(String service, TableSchema t, Op op, Map<String, Object> before, Map<String, Object> after, Position position,
                    List<String> unchanged) {
        ChangeEvent e = new ChangeEvent(t, op, before, after, position, 1_700_000_000_000L, "false",
                "postgresql", "db", null, null, unchanged);
        String topic = service + "." + t.table().table();
        return decoder.decode(topic, 0, offset++, keys.serialize(topic, Envelope.key(e)), values.serialize(topic, Envelope.value(e)), null);
    }

    SinkEvent upsert(long id, String name, long pos) {
        return event(ITEMS, Op.UPDATE, null, item(id, name, id + ".5000", id * 0.1, pos, "n" + pos), pos, List.of());
    }

    SinkEvent delete(long id, long pos) {
        return event(ITEMS, Op.DELETE, item(id, null, null, null, null, null), null, pos, List.of());
    }
}
