package io.tributary.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.schemas.event.TableRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableMappingTest {
    private static final TableRef PRICES = new TableRef("mono", "public", "price_history");
    private static final List<String> COLUMNS = List.of("id", "symbol", "date", "open_price", "open", "note");

    @Test
    void aMappingThatFitsTheSourceHasNoProblem() {
        TableMapping m = new TableMapping(PRICES, "prices", Map.of("date", "time", "open_price", "open"), List.of("open", "note"),
                List.of("symbol", "time"));
        assertEquals(List.of(), m.problemsWith(COLUMNS, List.of("id")));
    }

    @Test
    void columnsTheSourceLacksAndNameCollisionsAreEachNamed() {
        TableMapping m = new TableMapping(PRICES, "prices", Map.of("day", "time", "open_price", "open"), List.of("volume"),
                List.of("symbol", "ts"));
        assertEquals(List.of(
                "renamed column 'day' is not a column of public.price_history (it has [id, symbol, date, open_price, open, note])",
                "left-out column 'volume' is not a column of public.price_history (it has [id, symbol, date, open_price, open, note])",
                "key column 'ts' is not a column of public.price_history (it has [id, symbol, date, open_price, open, note])",
                "two columns would be named 'open' in prices: rename or leave out one of them"), m.problemsWith(COLUMNS, List.of("id")));
    }

    @Test
    void theSourceKeyCannotBeLeftOutWhileTheTableKeepsIt() {
        TableMapping m = new TableMapping(PRICES, "prices", Map.of(), List.of("id"), List.of());
        assertEquals(List.of("the source key column 'id' is left out while the table keeps the source's key: keep it, or declare key: [...]"),
                m.problemsWith(COLUMNS, List.of("id")));
    }
}
