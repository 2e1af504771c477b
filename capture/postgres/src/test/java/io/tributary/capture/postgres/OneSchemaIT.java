package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.TableDefinition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One type, one schema: the columns of a table look the same in snapshot and streamed events, so a table
 * that does not change registers one key and one value schema version. Debezium reads a snapshot's column
 * types from JDBC metadata (a serial key is {@code BIGSERIAL}) and the stream's from pgoutput ({@code INT8}). The
 * table's definition (generated keys, defaults, indexes, CHECKs) is read from the catalogs for both alike.
 */
class OneSchemaIT {
    @TempDir
    Path dir;

    @Test
    void snapshotAndStreamedEventsOfAnUnchangedTableShareOneSchemaVersion() throws Exception {
        try (CaptureRun run = new CaptureRun(dir, "one_schema")) {
            run.sql("""
                    CREATE TABLE items (id bigserial PRIMARY KEY, small_id serial NOT NULL, tiny smallserial NOT NULL,
                        name varchar(40), price numeric(12,2) CHECK (price >= 0), note text DEFAULT 'n/a', made timestamptz DEFAULT now());
                    CREATE INDEX items_name ON items (name, price);
                    CREATE UNIQUE INDEX items_note ON items (note) WHERE note <> 'x';
                    INSERT INTO items (name, price, note) SELECT 'n' || g, g, 'x' FROM generate_series(1, 3) g;
                    """);
            run.pipeline("items").start();
            run.read("items", Duration.ofSeconds(120), e -> e.size() >= 3);
            run.sql("INSERT INTO items (name, price, note) VALUES ('streamed', 4, 'y')");
            List<ChangeEvent> events = run.read("items", Duration.ofSeconds(120), e -> e.stream().anyMatch(x -> x.op() == Op.CREATE));
            Map<String, String> snapshot = types(events.get(0));
            Map<String, String> streamed = types(events.stream().filter(x -> x.op() == Op.CREATE).findFirst().orElseThrow());
            assertEquals(snapshot, streamed, "declared types of snapshot and streamed events");
            assertEquals("INT64 INT8 false", snapshot.get("id"), "a bigserial column is a bigint with a default");
            TableDefinition d = events.get(0).schema().definition();
            assertEquals(d, events.get(events.size() - 1).schema().definition(), "the same definition snapshot and streamed");
            assertEquals(List.of("id", "small_id", "tiny"), d.generated());
            assertEquals(Map.of("note", "'n/a'", "made", "now()"), d.defaults());
            assertEquals(List.of(new TableDefinition.Index("items_name", List.of("name", "price"), false)), d.indexes(), "a partial index is left out");
            assertEquals(List.of(new TableDefinition.Check("items_price_check", "((price >= (0)::numeric))")), d.checks());
            String topic = run.source + ".public.items";
            assertEquals(1, run.registry.versions(topic + "-key").size(), "key schema versions");
            assertEquals(1, run.registry.versions(topic + "-value").size(), "value schema versions");
        }
    }

    private static Map<String, String> types(ChangeEvent e) {
        return e.schema().columns().stream().collect(Collectors.toMap(Column::name, c -> c.type() + " " + c.sourceType() + " " + c.optional()));
    }
}
