package io.tributary.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pipeline files in docs/examples are valid as written (the sink's TimescaleDB tests run them too). */
class PipelineExamplesTest {
    static final Map<String, String> ENV = Map.of("TRIBUTARY_KAFKA", "k:9092", "TRIBUTARY_REGISTRY", "http://r:8081");

    static PipelineConfig example(String name) throws ConfigException {
        return PipelineConfigLoader.load(Path.of("..", "docs", "examples", name), ENV);
    }

    @Test
    void theMlMetricsMigrationHasItsRollupsOneOnTheOther() throws ConfigException {
        PipelineConfig.Timescale ts = example("ml-metrics.yaml").service("ml-platform").orElseThrow().options("experiment_metrics").timescale();
        assertEquals(List.of("experiment_metrics_5m", "experiment_metrics_1h", "experiment_metrics_1d"),
                ts.aggregates().stream().map(PipelineConfig.Aggregate::name).toList());
        assertEquals(List.of("bucket_5m", "bucket_1h", "day"), ts.aggregates().stream().map(PipelineConfig.Aggregate::bucketColumn).toList());
        assertEquals(java.util.Arrays.asList(null, "experiment_metrics_5m", "experiment_metrics_1h"),
                ts.aggregates().stream().map(PipelineConfig.Aggregate::on).toList());
        for (String kind : List.of("avg", "min", "max")) {
            assertTrue(ts.aggregates().stream().allMatch(a -> a.columns().stream().anyMatch(c -> c.contains(kind + "_value"))), kind);
        }
        assertEquals("7 days", ts.compressAfter());
        assertEquals("7 years", ts.retention());
    }

    @Test
    void thePriceHistoryMigrationHasItsDailyOhlc() throws ConfigException {
        PipelineConfig.Service s = example("price-history.yaml").service("market-data").orElseThrow();
        PipelineConfig.Timescale ts = s.options("price_history").timescale();
        assertEquals("1 month", ts.chunkInterval());
        assertEquals(List.of("symbol"), ts.segmentBy());
        assertEquals("90 days", ts.compressAfter());
        assertEquals("2 years", ts.retention());
        PipelineConfig.Aggregate ohlc = ts.aggregates().get(0);
        assertEquals("date", ohlc.bucketColumn(), "the repository's query selects by date");
        assertEquals(List.of("first(open, time) AS open", "max(high) AS high", "min(low) AS low", "last(close, time) AS close", "sum(volume) AS volume"),
                ohlc.columns());
        assertEquals("1 year", s.options("dividends").timescale().chunkInterval());
    }
}
