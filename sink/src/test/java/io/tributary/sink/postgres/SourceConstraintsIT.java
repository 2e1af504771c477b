package io.tributary.sink.postgres;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.GenerationMarker;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableDefinition;
import io.tributary.schemas.event.TableSchema;
import io.tributary.testkit.Sql;
import io.tributary.testkit.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A table the sink creates from a schema with a definition: an identity behind the generated key, the default,
 * the index at once; with the {@code constraints} option, the UNIQUE and CHECK constraints only once the
 * snapshot is complete, and one the rows do not allow yet only once they do.
 */
class SourceConstraintsIT {
    private static final TableSchema ITEMS = SinkEvents.ITEMS.withDefinition(new TableDefinition(List.of("id"), Map.of("notes", "'none'"),
            List.of(new TableDefinition.Index("items_name_key", List.of("name"), true), new TableDefinition.Index("items_qty", List.of("qty", "id"), false)),
            List.of(), List.of(new TableDefinition.Check("items_price_check", "(price >= 0)"))));

    private final SinkEvents events = new SinkEvents();

    @Test
    void constraintsComeAfterTheSnapshotAndOnceTheRowsAllowThem() throws Exception {
        String url = TestServers.newDatabase("sink_source_constraints");
        var options = Map.of("items", new PipelineConfig.TableOptions(false, null, null, null, java.util.Map.of(), true));
        try (BatchApplier applier = new BatchApplier(SinkEvents.service(url, options, Duration.ofMinutes(10)), events.decoder)) {
            List<SinkEvent> snapshot = new ArrayList<>();
            for (long id = 1; id <= 5; id++) {
                snapshot.add(read(id, id == 3 ? -1.0 : 1.0, id));
            }
            applier.apply(snapshot);
            applier.advanceSequences(Set.of("items"), 0);
            assertEquals(List.of("p"), constraints(url), "nothing but the key while the snapshot is incomplete");
            assertEquals(List.of("items_qty"), indexes(url), "the plain index at once; the unique one waits for the option's constraints");

            applier.apply(List.of(), List.of(new GenerationMarker("src", "items", 100)));
            applier.advanceSequences(Set.of(), 0);
            assertEquals(List.of("p", "u"), constraints(url), "UNIQUE added; the CHECK waits: row 3 has a negative price");

            applier.apply(List.of(events.event(ITEMS, Op.UPDATE, null, SinkEvents.item(3, "n3", "1", 2.0, 1L, null), Position.of(100, 1, 1, 0), List.of())));
            // a refused constraint is tried again after a wait (10 s the first time)
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                applier.advanceSequences(Set.of("items"), 0);
                return constraints(url).equals(List.of("c", "p", "u"));
            });
        }
        List<String> inserted = Sql.rows(url, "INSERT INTO items (name, price) VALUES ('by the app', 1) RETURNING id, notes, _tributary_pos").get(0);
        assertTrue(Long.parseLong(inserted.get(0)) > 5, "the key continues past the largest loaded: " + inserted);
        assertEquals(List.of("none", "{-1,-1,-1,-1}"), inserted.subList(1, 3), "the default, and the oldest position");
    }

    private SinkEvent read(long id, double price, long n) throws Exception {
        return events.event(ITEMS, Op.READ, null, SinkEvents.item(id, "n" + id, "1", price, 1L, null), Position.of(100, 0, 0, n), List.of());
    }

    private static List<String> constraints(String url) throws Exception {
        return Sql.rows(url, "SELECT contype::text FROM pg_constraint WHERE conrelid = 'items'::regclass ORDER BY 1").stream().map(r -> r.get(0)).toList();
    }

    private static List<String> indexes(String url) throws Exception {
        return Sql.rows(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'items' AND indexname <> 'items_pkey' ORDER BY 1")
                .stream().map(r -> r.get(0)).toList();
    }
}
