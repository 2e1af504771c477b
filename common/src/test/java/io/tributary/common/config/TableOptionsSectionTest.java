package io.tributary.common.config;

import static io.tributary.common.config.ConfigReaderTest.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.schemas.event.TableRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableOptionsSectionTest {
    private static final List<TableRef> OWNED = List.of(new TableRef("e", "main", "metrics"), new TableRef("e", "main", "runs"));

    private final ConfigReader r = new ConfigReader(Map.of());
    private final TableOptionsSection options = new TableOptionsSection(r);

    private List<String> problems() {
        return r.problems().stream().map(p -> p.key() + ": " + p.message()).toList();
    }

    @Test
    void noOptionsMeansNone() {
        assertEquals(Map.of(), options.read(yaml("{}").path("options"), "s.options", OWNED));
        assertEquals(List.of(), r.problems());
    }

    @Test
    void defaultsAreHardDeleteAndPositionOrder() {
        Map<String, PipelineConfig.TableOptions> o = options.read(yaml("""
                runs: {}
                metrics: { conflict: position, timestamp-column: updated_at }
                """), "s.options", OWNED);
        assertEquals(PipelineConfig.TableOptions.DEFAULT, o.get("runs"));
        assertEquals(PipelineConfig.TableOptions.DEFAULT, o.get("metrics"), "a timestamp column matters only for last-write-wins");
        assertEquals(List.of(), r.problems());
    }

    @Test
    void sourceConstraintsAreOffUnlessAsked() {
        Map<String, PipelineConfig.TableOptions> o = options.read(yaml("""
                runs: { constraints: true }
                metrics: { constraints: maybe }
                """), "s.options", OWNED);
        assertEquals(true, o.get("runs").sourceConstraints());
        assertEquals(false, o.get("metrics").sourceConstraints());
        assertEquals(List.of("s.options.metrics.constraints: 'maybe' is not true or false"), problems());
    }

    @Test
    void aHypertableWithItsDefaults() {
        PipelineConfig.Timescale ts = options.read(yaml("""
                metrics:
                  timescale:
                    time-column: time
                    aggregates: [ { name: m_5m, columns: ["avg(v) AS v"] } ]
                """), "s.options", OWNED).get("metrics").timescale();
        assertEquals(new PipelineConfig.Timescale("time", "7 days", false, List.of(), null, null, List.of(
                new PipelineConfig.Aggregate("m_5m", "1 hour", List.of(), List.of("avg(v) AS v"), "1 day", "1 minute", "5 minutes"))), ts);
        assertEquals(List.of(), r.problems());
    }

    @Test
    void compressionAfterDefaultsOnceCompressionIsDeclared() {
        PipelineConfig.Timescale ts = options.read(yaml("metrics: { timescale: { time-column: t, optional: true, compression: { segment-by: [id] } } }"),
                "s.options", OWNED).get("metrics").timescale();
        assertEquals("7 days", ts.compressAfter());
        assertEquals(List.of("id"), ts.segmentBy());
        assertEquals(true, ts.optional());
    }

    @Test
    void conversionsAreDeclaredPerColumn() {
        PipelineConfig.TableOptions o = options.read(yaml("""
                runs: { convert: { started_at: { time-zone: Europe/Berlin }, price: { round: half-up }, created: { epoch: seconds } } }
                """), "s.options", OWNED).get("runs");
        assertEquals(new PipelineConfig.Convert("Europe/Berlin", null, null), o.convert("started_at"));
        assertEquals(new PipelineConfig.Convert(null, "half-up", null), o.convert("price"));
        assertEquals(new PipelineConfig.Convert(null, null, "seconds"), o.convert("created"));
        assertEquals(PipelineConfig.Convert.NONE, o.convert("other"));
        assertEquals(List.of(), r.problems());
    }

    @Test
    void badConversionsAreProblemsAtTheirPaths() {
        options.read(yaml("runs: { convert: { t: { time-zone: Mars/Olympus, round: up, epoch: days, unit: ms } } }"), "s.options", OWNED);
        assertEquals(List.of(
                "s.options.runs.convert.t.unit: unknown key",
                "s.options.runs.convert.t.time-zone: 'Mars/Olympus' is not a time zone",
                "s.options.runs.convert.t.round: 'up' is not a rounding",
                "s.options.runs.convert.t.epoch: 'days' is not an epoch unit"), problems());
    }

    @Test
    void badOptionsAreProblemsAtTheirPaths() {
        options.read(yaml("""
                ghost: { delete: soft }
                runs: { conflict: newest, colour: red }
                metrics:
                  timescale:
                    retention: forever
                    aggregates: [ { bucket: soon, refresh: { every: often, at: noon } } ]
                """), "s.options", OWNED);
        assertEquals(List.of(
                "s.options.ghost: options for a table this service does not own",
                "s.options.runs.colour: unknown key",
                "s.options.runs.conflict: 'newest' is not a conflict policy",
                "s.options.metrics.timescale.time-column: is required",
                "s.options.metrics.timescale.retention: 'forever' is not an interval",
                "s.options.metrics.timescale.aggregates[0].refresh.at: unknown key",
                "s.options.metrics.timescale.aggregates[0].name: is required",
                "s.options.metrics.timescale.aggregates[0].columns: missing or empty",
                "s.options.metrics.timescale.aggregates[0].bucket: 'soon' is not an interval",
                "s.options.metrics.timescale.aggregates[0].refresh.every: 'often' is not an interval"), problems());
    }
}
