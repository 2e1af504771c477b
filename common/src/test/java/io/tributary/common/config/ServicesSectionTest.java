package io.tributary.common.config;

import static io.tributary.common.config.ConfigReaderTest.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.schemas.event.TableRef;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServicesSectionTest {
    private static final TableRef TRADES = new TableRef("mono", "public", "trades");
    private static final TableRef LEDGER_TRADES = new TableRef("mono", "ledger", "trades");
    private static final TableRef POSITIONS = new TableRef("mono", "public", "positions");
    private static final List<PipelineConfig.Source> SOURCES = List.of(new PipelineConfig.Source("mono", null,
            new PipelineConfig.Postgres("jdbc:postgresql://db/app", "cdc", Secret.NONE, "s", "p"), List.of(TRADES, LEDGER_TRADES, POSITIONS)));

    private final ConfigReader r = new ConfigReader(Map.of());
    private final ServicesSection services = new ServicesSection(r);

    private List<String> problems() {
        return r.problems().stream().map(p -> p.key() + ": " + p.message()).toList();
    }

    @Test
    void aServiceWithItsDefaults() {
        List<PipelineConfig.Service> s = services.read(yaml("""
                - name: trading-engine
                  target: { url: "jdbc:postgresql://db2/te", user: svc }
                  tables: [mono.public.trades, mono.public.positions]
                """), SOURCES);
        assertEquals(List.of(new PipelineConfig.Service("trading-engine", "tributary-sink-trading-engine",
                new PipelineConfig.Database("jdbc:postgresql://db2/te", "svc", Secret.NONE), List.of(TRADES, POSITIONS), Map.of(),
                Duration.ofMinutes(10))), s);
        assertEquals(List.of(), r.problems());
    }

    @Test
    void tablesNameCapturedTablesEachOwnedOnceAndDistinctByName() {
        List<PipelineConfig.Service> s = services.read(yaml("""
                - name: a
                  target: { url: "jdbc:postgresql://db2/a", user: svc }
                  tables: [mono.public.trades, mono.ledger.trades, mono.public.ghost]
                - name: b
                  target: { url: "jdbc:postgresql://db2/b", user: svc }
                  tables: [mono.public.trades, mono.public.positions]
                """), SOURCES);
        assertEquals(List.of(TRADES), s.get(0).tables(), "tables breaking a rule are left out");
        assertEquals(List.of(POSITIONS), s.get(1).tables());
        assertEquals(List.of(
                "services[a].tables: unknown table 'mono.public.ghost'",
                "services[a].tables: 'mono.public.trades' and 'mono.ledger.trades' both map to the target table 'trades' (and the service topic a.trades)",
                "services[b].tables: 'mono.public.trades' is already owned by service 'a'"), problems());
        assertEquals("name a table listed under sources as <source>.<schema>.<table>; known: "
                + "[mono.ledger.trades, mono.public.positions, mono.public.trades]", r.problems().get(0).hint());
    }

    @Test
    void twoTablesOfOneNameMayOwnedWhenOneMapsToAnotherTarget() {
        List<PipelineConfig.Service> s = services.read(yaml("""
                - name: a
                  target: { url: "jdbc:postgresql://db2/a", user: svc }
                  tables: [mono.public.trades, mono.ledger.trades]
                  options:
                    mono.ledger.trades: { target-table: ledger_trades }
                """), SOURCES);
        assertEquals(List.of(), r.problems());
        assertEquals(List.of(TRADES, LEDGER_TRADES), s.get(0).tables());
        assertEquals("ledger_trades", s.get(0).targetTable(LEDGER_TRADES));
        assertEquals("trades", s.get(0).targetTable(TRADES));
    }

    @Test
    void twoTablesMappedToOneTargetAreAProblem() {
        List<PipelineConfig.Service> s = services.read(yaml("""
                - name: a
                  target: { url: "jdbc:postgresql://db2/a", user: svc }
                  tables: [mono.public.trades, mono.public.positions]
                  options:
                    positions: { target-table: trades }
                """), SOURCES);
        assertEquals(List.of("services[a].tables: 'mono.public.trades' and 'mono.public.positions' both map to the target table 'trades' "
                + "(and the service topic a.trades)"), problems());
        assertEquals(List.of(TRADES), s.get(0).tables());
    }

    @Test
    void namesAreUniqueAndTargetsArePostgres() {
        services.read(yaml("""
                - name: a
                  target: { url: "mysql://x", user: svc, pool: 3 }
                  tables: [mono.public.trades]
                - name: a
                  target: { user: svc }
                  tables: [mono.public.positions]
                  park-timeout: later
                - name: Bad
                """), SOURCES);
        assertEquals(List.of("services[a].target.pool: unknown key",
                "services[a].target.url: 'mysql://x' is not a PostgreSQL JDBC URL",
                "services[a].name: two services are named 'a'",
                "services[a].target.url: is required",
                "services[a].park-timeout: 'later' is not a duration",
                "services[Bad].name: 'Bad' is not a valid name",
                "services[Bad].target.url: is required",
                "services[Bad].target.user: is required",
                "services[Bad].tables: missing or empty"), problems());
    }

    @Test
    void noServicesIsAProblem() {
        assertEquals(List.of(), services.read(yaml("[]"), SOURCES));
        assertEquals(List.of("services: missing or empty"), problems());
    }
}
