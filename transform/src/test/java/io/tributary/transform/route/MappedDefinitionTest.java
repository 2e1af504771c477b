package io.tributary.transform.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.common.config.TableMapping;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.TableDefinition;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MappedDefinitionTest {
    private static final TableRef PRICES = new TableRef("market", "main", "price_history");
    private static final TableDefinition SOURCE = new TableDefinition(List.of("id"), Map.of("fetched_at", "now()", "note", "''::text"),
            List.of(new TableDefinition.Index("by_date", List.of("symbol", "date"), true), new TableDefinition.Index("by_note", List.of("note"), false)),
            List.of(new TableDefinition.ForeignKey("fk_symbol", List.of("symbol"), "symbols", List.of("symbol"), "NO ACTION", "NO ACTION")),
            List.of(new TableDefinition.Check("positive", "open_price > 0")));

    @Test
    void generatedKeysDefaultsAndIndexesFollowTheirColumnsNewNames() {
        TableMapping m = new TableMapping(PRICES, "prices", Map.of("date", "time", "open_price", "open"), List.of("note"), List.of("symbol", "time"));
        TableDefinition d = MappedDefinition.of(SOURCE, m);
        assertEquals(List.of("id"), d.generated());
        assertEquals(Map.of("fetched_at", "now()"), d.defaults(), "the left-out column's default goes with it");
        assertEquals(List.of(new TableDefinition.Index("by_date", List.of("symbol", "time"), true)), d.indexes(),
                "renamed in the index; the index on the left-out column is gone");
        assertEquals(List.of(), d.foreignKeys(), "another table's mapping may rename what a foreign key names");
        assertEquals(List.of(), d.checks(), "a CHECK's SQL names the old columns");
    }

    @Test
    void aTableOnlyRenamedOrReKeyedKeepsItsChecks() {
        TableMapping m = new TableMapping(PRICES, "prices", Map.of(), List.of(), List.of("symbol", "date"));
        TableDefinition d = MappedDefinition.of(SOURCE, m);
        assertEquals(SOURCE.checks(), d.checks());
        assertEquals(SOURCE.indexes(), d.indexes());
        assertEquals(List.of(), d.foreignKeys());
    }

    @Test
    void theMappedShapeCarriesTheDefinitionToTheSink() {
        TableSchema in = new TableSchema(PRICES, List.of(new Column("id", ColumnType.INT64, "INTEGER", false),
                new Column("symbol", ColumnType.TEXT, "TEXT", false), new Column("date", ColumnType.TEXT, "TEXT", false),
                new Column("open_price", ColumnType.FLOAT64, "REAL", true), new Column("note", ColumnType.TEXT, "TEXT", true),
                new Column("fetched_at", ColumnType.TEXT, "DATETIME", true)), List.of("id"), SOURCE);
        TableMapping m = new TableMapping(PRICES, "prices", Map.of("date", "time", "open_price", "open"), List.of("note"), List.of("symbol", "time"));
        TableSchema out = new TableMapper(m).shape(in);
        assertEquals(MappedDefinition.of(SOURCE, m), out.definition());
        assertEquals(List.of("id"), out.definition().generated(), "the mapped table the sink creates gets its identity");
    }
}
