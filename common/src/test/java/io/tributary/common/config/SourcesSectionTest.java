package io.tributary.common.config;

import static io.tributary.common.config.ConfigReaderTest.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tributary.schemas.event.TableRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SourcesSectionTest {
    private final ConfigReader r = new ConfigReader(Map.of());
    private final SourcesSection sources = new SourcesSection(r);

    private List<String> problems() {
        return r.problems().stream().map(p -> p.key() + ": " + p.message()).toList();
    }

    @Test
    void postgresSlotAndPublicationDefaultToTheSourceName() {
        List<PipelineConfig.Source> s = sources.read(yaml("""
                - name: trading-monolith
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc }
                  tables: [trades, ledger.entries]
                """));
        PipelineConfig.Postgres pg = s.get(0).postgres();
        assertEquals("tributary_trading_monolith", pg.slot(), "'-' cannot be in a slot name");
        assertEquals("tributary_trading_monolith", pg.publication());
        assertEquals(Secret.NONE, pg.password());
        assertEquals(List.of(new TableRef("trading-monolith", "public", "trades"), new TableRef("trading-monolith", "ledger", "entries")),
                s.get(0).tables());
        assertNull(s.get(0).sqlite());
        assertEquals(List.of(), r.problems());
    }

    @Test
    void postgresSignalTableDefaultsAndMustBeSchemaDotTable() {
        List<PipelineConfig.Source> s = sources.read(yaml("""
                - name: a
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc }
                  tables: [t]
                - name: b
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc, signal-table: cdc.signals }
                  tables: [t]
                - name: c
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc, signal-table: signals }
                  tables: [t]
                """));
        assertEquals("public.tributary_signals", s.get(0).postgres().signalTable());
        assertEquals("cdc.signals", s.get(1).postgres().signalTable());
        assertEquals(List.of("sources[c].postgres.signal-table: 'signals' is not schema.table"), problems());
    }

    @Test
    void postgresHeartbeatIsOnByDefaultAndZeroTurnsItOff() {
        List<PipelineConfig.Source> s = sources.read(yaml("""
                - name: a
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc }
                  tables: [t]
                - name: b
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc, heartbeat-interval: 0s }
                  tables: [t]
                - name: c
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc, heartbeat-interval: often }
                  tables: [t]
                """));
        assertEquals(Duration.ofSeconds(10), s.get(0).postgres().heartbeat());
        assertEquals(Duration.ZERO, s.get(1).postgres().heartbeat());
        assertEquals(List.of("sources[c].postgres.heartbeat-interval: 'often' is not a duration"), problems());
    }

    @Test
    void postgresRefuseTruncateNamesTables() {
        List<PipelineConfig.Source> s = sources.read(yaml("""
                - name: a
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc, refuse-truncate: [audit, ledger.entries] }
                  tables: [audit, ledger.entries]
                - name: b
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc }
                  tables: [t]
                """));
        assertEquals(List.of("public.audit", "ledger.entries"), s.get(0).postgres().refuseTruncate());
        assertEquals(List.of(), s.get(1).postgres().refuseTruncate());
        assertEquals(List.of(), problems());
    }

    @Test
    void postgresSnapshotWorkersDefaultToTwoAndABadValueIsListedWithTheOthers() {
        List<PipelineConfig.Source> s = sources.read(yaml("""
                - name: a
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc }
                  tables: [t]
                - name: b
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc, snapshot-workers: 1 }
                  tables: [t]
                - name: c
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc, snapshot-workers: 0, heartbeat-interval: often }
                  tables: [t]
                - name: d
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc, snapshot-workers: many }
                  tables: [t]
                """));
        assertEquals(2, s.get(0).postgres().snapshotWorkers());
        assertEquals(1, s.get(1).postgres().snapshotWorkers());
        assertEquals(List.of("sources[c].postgres.heartbeat-interval: 'often' is not a duration",
                "sources[c].postgres.snapshot-workers: 0 is out of range",
                "sources[d].postgres.snapshot-workers: 'many' is not a whole number"), problems());
    }

    @Test
    void sqliteDefaultsAndItsOnlySchemaIsMain() {
        List<PipelineConfig.Source> s = sources.read(yaml("""
                - name: experiments
                  sqlite: { path: /data/e.db }
                  tables: [experiments, main.metrics, other.runs]
                """));
        assertEquals(new PipelineConfig.Sqlite(Path.of("/data/e.db"), Duration.ofMillis(100), 32), s.get(0).sqlite());
        assertEquals(List.of(new TableRef("experiments", "main", "experiments"), new TableRef("experiments", "main", "metrics")), s.get(0).tables());
        assertEquals(List.of("sources[experiments].tables: 'other.runs': a SQLite source's schema is 'main'"), problems());
    }

    @Test
    void eachSourceHasOneKindAUniqueNameAndTables() {
        sources.read(yaml("""
                - name: a
                  sqlite: { path: /a.db }
                  postgres: { url: "jdbc:postgresql://db/app", user: cdc }
                  tables: [t]
                - name: a
                  tables: []
                - tables: [x.y.z]
                  sqlite: { path: /b.db }
                """));
        assertEquals(List.of("sources[a]: has both sqlite: and postgres:",
                "sources[a].name: two sources are named 'a'",
                "sources[a]: has neither sqlite: nor postgres:",
                "sources[a].tables: missing or empty",
                "sources[2].name: is required",
                "sources[2].tables: 'x.y.z' is not a table name"), problems());
    }

    @Test
    void noSourcesIsAProblem() {
        assertEquals(List.of(), sources.read(yaml("{}").path("sources")));
        assertEquals(List.of("sources: missing or empty"), problems());
    }
}
