package io.tributary.sink.postgres;

import static io.tributary.sink.postgres.TimescaleTargets.chunks;
import static io.tributary.sink.postgres.TimescaleTargets.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import io.tributary.common.config.Secret;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.sink.timescale.HistoryWorker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The market-data workload as docs/examples/price-history.yaml declares it (read from that file): 150 days of
 * hourly bars for three symbols, monthly chunks, compression after 90 days, the daily OHLC aggregate. The
 * aggregate equals first/max/min/last/sum over the hypertable after the snapshot and after a late correction
 * and a delete in compressed history (each decompressing one batch at most; the key holds the time, so no
 * write ever searches other chunks), and answers the repository's query.
 */
class PriceHistoryIT {
    static final TableSchema PRICES = new TableSchema(new TableRef("stockula", "main", "price_history"), List.of(
            new Column("time", ColumnType.TIMESTAMPTZ, "DATETIME", false), new Column("symbol", ColumnType.TEXT, "TEXT", false),
            new Column("open", ColumnType.DECIMAL, "DECIMAL(20,6)", true), new Column("high", ColumnType.DECIMAL, "DECIMAL(20,6)", true),
            new Column("low", ColumnType.DECIMAL, "DECIMAL(20,6)", true), new Column("close", ColumnType.DECIMAL, "DECIMAL(20,6)", true),
            new Column("adjusted_close", ColumnType.DECIMAL, "DECIMAL(20,6)", true), new Column("volume", ColumnType.INT64, "BIGINT", true)),
            List.of("symbol", "time"));
    private static final List<String> SYMBOLS = List.of("ACME", "GLOBEX", "INITECH");

    private static PipelineConfig.Service service(String url) throws Exception {
        PipelineConfig example = PipelineConfigLoader.load(Path.of("..", "docs", "examples", "price-history.yaml"),
                Map.of("TRIBUTARY_KAFKA", "k:9092", "TRIBUTARY_REGISTRY", "http://r:8081"));
        PipelineConfig.Service s = example.service("market-data").orElseThrow();
        return new PipelineConfig.Service(s.name(), s.group(), new PipelineConfig.Database(url, "postgres", Secret.NONE), List.of(PRICES.table()),
                Map.of("price_history", s.options("price_history")), s.parkTimeout());
    }

    private static Map<String, Object> bar(String symbol, Instant t, double base) {
        Map<String, Object> row = new HashMap<>();
        row.put("time", ChronoUnit.MICROS.between(Instant.EPOCH, t));
        row.put("symbol", symbol);
        row.put("open", String.format("%.6f", base));
        row.put("high", String.format("%.6f", base + 1.25));
        row.put("low", String.format("%.6f", base - 0.75));
        row.put("close", String.format("%.6f", base + 0.5));
        row.put("adjusted_close", String.format("%.6f", base + 0.5));
        row.put("volume", 1000L + (long) base);
        return row;
    }

    private static SinkEvent event(Op op, Map<String, Object> before, Map<String, Object> after, long pos, String snapshot) {
        return new SinkEvent(new ChangeEvent(PRICES, op, before, after, Position.of(1, 0, 0, pos), 0L, snapshot, "sqlite", "db", null, null),
                "market-data.price_history", 0, pos, null, null, null);
    }

    @Test
    void theDailyOhlcHoldsTheWholeHistoryAndAnswersTheRepositorysQuery() throws Exception {
        String url = TimescaleTargets.database("ts_prices");
        Instant end = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(2, ChronoUnit.DAYS);
        List<SinkEvent> snapshot = new ArrayList<>();
        for (int h = 150 * 24; h > 0; h--) {
            for (String symbol : SYMBOLS) {
                snapshot.add(event(Op.READ, null, bar(symbol, end.minus(h, ChronoUnit.HOURS), 100 + Math.sin(h + symbol.length()) * 20),
                        snapshot.size() + 1, h == 1 && symbol.equals("INITECH") ? "last" : "true"));
            }
        }
        PipelineConfig.Service service = service(url);
        try (BatchApplier applier = new BatchApplier(service, (t, p, o, k, v, id) -> null);
             HistoryWorker worker = new HistoryWorker(service, AggregateHistoryIT.QUICK, new SimpleMeterRegistry())) {
            new Thread(worker, "history").start();
            for (int i = 0; i < snapshot.size(); i += 2000) {
                applier.apply(snapshot.subList(i, Math.min(snapshot.size(), i + 2000)));
            }
            assertTrue(worker.awaitNothingOwed(Duration.ofSeconds(120)), "the history work did not finish within 120 s");
            assertOhlcMatches(url, 150 * 3);
            List<TimescaleTargets.Chunk> compressed = chunks(url, "price_history").stream().filter(TimescaleTargets.Chunk::compressed).toList();
            assertTrue(!compressed.isEmpty(), "history older than 90 days is compressed");

            long pos = snapshot.size();
            Map<String, Object> wrong = snapshot.get(3 * 24 * 30).after(); // a bar 120 days ago
            Map<String, Object> corrected = new HashMap<>(wrong);
            corrected.put("close", "999.000000");
            Map<String, Object> gone = snapshot.get(3 * 24 * 40).after(); // a bar 110 days ago
            applier.apply(List.of(event(Op.UPDATE, wrong, corrected, ++pos, "false"), event(Op.DELETE, gone, null, ++pos, "false")));
            long lost = compressed.stream().mapToLong(TimescaleTargets.Chunk::batches).sum()
                    - chunks(url, "price_history").stream().filter(TimescaleTargets.Chunk::compressed).mapToLong(TimescaleTargets.Chunk::batches).sum();
            assertTrue(lost <= 2, "a correction and a delete in compressed history decompress one batch each at most: " + lost);
            assertTrue(worker.awaitNothingOwed(Duration.ofSeconds(120)), "the history work for the late rows did not finish within 120 s");
            assertOhlcMatches(url, 150 * 3);

            String from = end.minus(30, ChronoUnit.DAYS).toString();
            String to = end.minus(1, ChronoUnit.DAYS).toString();
            assertEquals(30, rows(url, "SELECT * FROM ohlc_daily WHERE symbol = 'ACME' AND date BETWEEN '" + from + "' AND '" + to + "' ORDER BY date").size(),
                    "the repository's query: one symbol's daily bars between two dates");
        }
    }

    private static void assertOhlcMatches(String url, int days) throws Exception {
        List<List<String>> expected = rows(url, "SELECT symbol, time_bucket('1 day', time), first(open, time), max(high), min(low), last(close, time), "
                + "sum(volume) FROM price_history GROUP BY 1, 2 ORDER BY 1, 2");
        assertEquals(expected, rows(url, "SELECT symbol, date, open, high, low, close, volume FROM ohlc_daily ORDER BY 1, 2"), "ohlc_daily");
        assertEquals(days, expected.size(), "every day of every symbol");
    }
}
