package io.tributary.common.config;

import static io.tributary.common.config.ConfigReaderTest.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tributary.schemas.event.TableRef;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MappingReaderTest {
    private static final TableRef PRICES = new TableRef("mono", "public", "price_history");
    private static final List<TableRef> OWNED = List.of(PRICES, new TableRef("mono", "public", "trades"));

    private final ConfigReader r = new ConfigReader(Map.of());

    private Map<String, PipelineConfig.TableOptions> read(String yaml) {
        return new TableOptionsSection(r).read(yaml(yaml), "s.options", OWNED);
    }

    private List<String> problems() {
        return r.problems().stream().map(p -> p.key() + ": " + p.message()).toList();
    }

    @Test
    void theMigrationPlansShapeIsKeptByItsTargetName() {
        Map<String, PipelineConfig.TableOptions> o = read("""
                price_history:
                  target-table: prices
                  rename: { date: time, open_price: open }
                  exclude: [source_note]
                  key: [symbol, time]
                  conflict: last-write-wins
                  timestamp-column: time
                """);
        assertEquals(List.of(), problems());
        TableMapping m = o.get("prices").mapping();
        assertEquals(new TableMapping(PRICES, "prices", Map.of("date", "time", "open_price", "open"), List.of("source_note"),
                List.of("symbol", "time")), m);
        assertEquals(List.of("symbol", "date"), m.keySourceColumns());
        assertEquals(Optional.of("open"), m.targetColumn("open_price"));
        assertEquals(Optional.empty(), m.targetColumn("source_note"));
        assertEquals("time", o.get("prices").lastWriteWinsColumn(), "the sink's options name target columns");
        assertEquals(null, o.get("price_history"));
    }

    @Test
    void optionsWithoutMappingKeysMapNothing() {
        assertNull(read("trades: { delete: soft }").get("trades").mapping());
    }

    @Test
    void everyRuleTheFileCanCheckIsAProblemAtItsPath() {
        read("""
                price_history:
                  target-table: ""
                  rename: { date: time, day: time, open_price: [open] }
                  exclude: [date, symbol]
                  key: [symbol, date, symbol]
                trades: { key: [] }
                """);
        assertEquals(List.of(
                "s.options.price_history.target-table: '' is not a usable table name",
                "s.options.price_history.rename.day: two columns are renamed to 'time'",
                "s.options.price_history.rename.open_price: expected a single value, found a list",
                "s.options.price_history.rename.open_price: no target column name",
                "s.options.price_history.exclude: column 'date' is both renamed and left out",
                "s.options.price_history.key: key column 'symbol' is left out (exclude:)",
                "s.options.price_history.key: 'date' is renamed to 'time'",
                "s.options.price_history.key: column 'symbol' is in the key twice",
                "s.options.trades.key: the target key is empty"), problems());
    }
}
