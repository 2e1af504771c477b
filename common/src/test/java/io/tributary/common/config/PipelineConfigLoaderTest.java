package io.tributary.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipelineConfigLoaderTest {
    static final String GOOD = """
            kafka: { bootstrap: "${TRIBUTARY_KAFKA}" }
            registry: { url: "${TRIBUTARY_REGISTRY}" }
            sources:
              - name: experiments
                sqlite: { path: /data/experiments.db, poll-interval: 250ms }
                tables: [experiments, experiment_metrics]
              - name: monolith
                postgres: { url: "jdbc:postgresql://db:5432/ai_trader", user: cdc, password: "${MONOLITH_PASSWORD}" }
                tables: [public.trades, positions]
            services:
              - name: trading-engine
                target: { url: "jdbc:postgresql://db2:5432/trading_engine", user: svc, password: "${TE_PASSWORD}" }
                tables: [monolith.public.trades, monolith.public.positions]
              - name: ml-platform
                group: ml-copy-2
                target: { url: "jdbc:postgresql://db2:5432/ml", user: svc }
                tables: [experiments.main.experiments, experiments.main.experiment_metrics]
            http: { sink: 9404 }
            """;
    static final Map<String, String> ENV = Map.of("TRIBUTARY_KAFKA", "k:9092", "TRIBUTARY_REGISTRY", "http://r:8081",
            "MONOLITH_PASSWORD", "s3cret", "TE_PASSWORD", "pw2");

    @Test
    void partitionCountsPerTopicAndServiceTopicsFollowTheirTableTopic() throws ConfigException {
        String file = GOOD.replace("kafka: { bootstrap: \"${TRIBUTARY_KAFKA}\" }",
                "kafka: { bootstrap: \"${TRIBUTARY_KAFKA}\", partitions: 2, topic-partitions: "
                        + "{ monolith.public.trades: 8, experiments.main.experiments: 4, ml-platform.experiments: 6 } }");
        PipelineConfig.Kafka k = PipelineConfigLoader.parse(file, "test", ENV).kafka();
        assertEquals(8, k.partitions("monolith.public.trades"));
        assertEquals(8, k.partitions("trading-engine.trades"), "a service topic not named takes its table topic's count");
        assertEquals(4, k.partitions("experiments.main.experiments"));
        assertEquals(6, k.partitions("ml-platform.experiments"), "named itself, a service topic keeps its own");
        assertEquals(2, k.partitions("monolith.public.positions"), "the rest take kafka.partitions");
        assertEquals(2, k.partitions("trading-engine.positions"));
    }

    @Test
    void partitionCountsOfUnknownTopicsAndBadCountsAreProblems() {
        String file = GOOD.replace("kafka: { bootstrap: \"${TRIBUTARY_KAFKA}\" }",
                "kafka: { bootstrap: \"${TRIBUTARY_KAFKA}\", topic-partitions: { monolith.public.trade: 8, trading-engine.trades: 0 } }");
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfigLoader.parse(file, "test", ENV));
        assertEquals(List.of("kafka.topic-partitions.monolith.public.trade", "kafka.topic-partitions.trading-engine.trades"),
                e.problems().stream().map(ConfigProblem::key).toList(), e.getMessage());
        assertTrue(e.getMessage().contains("monolith.public.trades"), "the hint lists the table topics: " + e.getMessage());
    }

    @Test
    void readsAValidFileWithEnvironmentSubstitutionAndDefaults() throws ConfigException {
        PipelineConfig c = PipelineConfigLoader.parse(GOOD, "test", ENV);
        assertEquals("k:9092", c.kafka().bootstrap());
        assertEquals("http://r:8081", c.registry().url());
        assertNull(c.registry().compatibility(), "absent: the registry's own level applies, none is set on subjects");
        PipelineConfig.Source exp = c.source("experiments").orElseThrow();
        assertEquals(Path.of("/data/experiments.db"), exp.sqlite().path());
        assertEquals(Duration.ofMillis(250), exp.sqlite().pollInterval());
        assertEquals("experiments.main.experiment_metrics", exp.tables().get(1).topic());
        PipelineConfig.Source mono = c.source("monolith").orElseThrow();
        assertEquals("public.positions", mono.tables().get(1).qualifiedName(), "schema defaults to public");
        assertEquals("tributary_monolith", mono.postgres().slot());
        assertEquals("s3cret", mono.postgres().password().value());
        assertEquals("******", mono.postgres().password().toString(), "secrets are masked when printed");
        assertTrue(!c.toString().contains("s3cret") && !c.toString().contains("pw2"), "no secret in the config's string form");
        assertEquals("tributary-sink-trading-engine", c.service("trading-engine").orElseThrow().group());
        assertEquals("ml-copy-2", c.service("ml-platform").orElseThrow().group());
        assertEquals(9404, c.httpPort("sink"));
        assertEquals(0, c.httpPort("transform"));
    }

    @Test
    void reportsEveryProblemAtOnceWithKeysAndHints() {
        String bad = """
                kafka: { bootstrap: "${NOPE}" }
                registry: { url: "registry:8081", compatibility: SOMETIMES }
                sources:
                  - name: Experiments!
                    sqlite: { path: /x.db, poll-interval: soon }
                    tables: [main.a, other.b]
                  - name: mono
                    postgres: { url: "mysql://x", slot: "Bad-Slot" }
                    tables: []
                services:
                  - name: svc
                    target: { user: u }
                    tables: [mono.public.ghost]
                    colour: blue
                http: { sink: 70000 }
                """;
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfigLoader.parse(bad, "bad.yaml", Map.of()));
        List<String> keys = e.problems().stream().map(ConfigProblem::key).toList();
        for (String expected : List.of("kafka.bootstrap", "registry.url", "registry.compatibility", "sources[Experiments!].name",
                "sources[Experiments!].sqlite.poll-interval", "sources[Experiments!].tables", "sources[mono].postgres.url",
                "sources[mono].postgres.user", "sources[mono].postgres.slot", "sources[mono].tables", "services[svc].target.url",
                "services[svc].tables", "services[svc].colour", "http.sink")) {
            assertTrue(keys.contains(expected), "missing problem for " + expected + " in " + keys);
        }
        assertTrue(e.getMessage().contains("environment variable NOPE is not set"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown table 'mono.public.ghost'"), e.getMessage());
        e.problems().forEach(p -> assertTrue(p.hint() != null && !p.hint().isBlank(), "no hint for " + p));
    }

    @Test
    void aTableHasOneOwnerAndServiceTopicsDoNotCollide() {
        String twoOwners = GOOD.replace("tables: [experiments.main.experiments, experiments.main.experiment_metrics]",
                "tables: [monolith.public.trades]");
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfigLoader.parse(twoOwners, "t", ENV));
        assertTrue(e.getMessage().contains("already owned by service 'trading-engine'"), e.getMessage());
    }

    @Test
    void hypertableAndTableOptionsParseFromTheFile() throws ConfigException {
        String yaml = GOOD.replace("tables: [experiments.main.experiments, experiments.main.experiment_metrics]", """
                tables: [experiments.main.experiments, experiments.main.experiment_metrics]
                    options:
                      experiment_metrics:
                        timescale:
                          time-column: time
                          chunk-interval: 1 month
                          compression: { segment-by: [experiment_id], after: 90 days }
                          retention: 2 years
                          aggregates:
                            - name: daily_ohlc
                              bucket: 1 day
                              group-by: [experiment_id]
                              columns: ["first(metric_value, time) AS open", "max(metric_value) AS high", "min(metric_value) AS low", "last(metric_value, time) AS close"]
                              refresh: { start-offset: 3 days, end-offset: 1 hour, every: 1 hour }
                      experiments: { delete: soft, conflict: last-write-wins, timestamp-column: created_at }
                    park-timeout: 5m""");
        PipelineConfig.Service ml = PipelineConfigLoader.parse(yaml, "t", ENV).service("ml-platform").orElseThrow();
        PipelineConfig.Timescale ts = ml.options("experiment_metrics").timescale();
        assertEquals("1 month", ts.chunkInterval());
        assertEquals(List.of("experiment_id"), ts.segmentBy());
        assertEquals("90 days", ts.compressAfter());
        assertEquals("2 years", ts.retention());
        assertEquals("last(metric_value, time) AS close", ts.aggregates().get(0).columns().get(3));
        assertEquals("3 days", ts.aggregates().get(0).refreshStart());
        assertEquals(new PipelineConfig.TableOptions(true, "created_at", null), ml.options("experiments"));
        assertEquals(Duration.ofMinutes(5), ml.parkTimeout());
        assertEquals(PipelineConfig.TableOptions.DEFAULT, ml.options("unlisted"));
    }

    @Test
    void hierarchicalAggregatesWithTheirOwnBucketColumnsAndRealTimeParse() throws ConfigException {
        String yaml = GOOD.replace("tables: [experiments.main.experiments, experiments.main.experiment_metrics]", """
                tables: [experiments.main.experiments, experiments.main.experiment_metrics]
                    options:
                      experiment_metrics:
                        timescale:
                          time-column: time
                          compression: { segment-by: [experiment_id], order-by: [time DESC], after: 7 days, every: 1 hour }
                          aggregates:
                            - name: metrics_1h
                              bucket: 1 hour
                              bucket-column: bucket_1h
                              group-by: [experiment_id, metric_name]
                              columns: ["sum(metric_value) AS sum_value", "count(*) AS samples"]
                              refresh: { start-offset: 1 day, end-offset: 1 hour, every: 30 minutes }
                            - name: metrics_1d
                              on: metrics_1h
                              bucket: 1 day
                              bucket-column: date
                              real-time: true
                              group-by: [experiment_id]
                              columns: ["sum(sum_value) / sum(samples) AS avg_value"]
                              refresh: { start-offset: 3 days, end-offset: 1 day, every: 1 hour }""");
        PipelineConfig.Timescale ts = PipelineConfigLoader.parse(yaml, "t", ENV).service("ml-platform").orElseThrow()
                .options("experiment_metrics").timescale();
        assertEquals(List.of("time DESC"), ts.orderBy());
        assertEquals("1 hour", ts.compressEvery());
        PipelineConfig.Aggregate hourly = ts.aggregates().get(0);
        PipelineConfig.Aggregate daily = ts.aggregates().get(1);
        assertEquals("bucket_1h", hourly.bucketColumn());
        assertNull(hourly.on());
        assertEquals(false, hourly.realTime());
        assertEquals("metrics_1h", daily.on());
        assertEquals("date", daily.bucketColumn());
        assertEquals(true, daily.realTime());
        assertEquals("7 days", ts.chunkInterval(), "the default chunk interval");
    }

    @Test
    void aggregatesTimescaleWouldRefuseAreProblemsWithTheirPaths() {
        String yaml = GOOD.replace("tables: [experiments.main.experiments, experiments.main.experiment_metrics]", """
                tables: [experiments.main.experiments, experiments.main.experiment_metrics]
                    options:
                      experiment_metrics:
                        timescale:
                          time-column: time
                          optional: maybe
                          compression: { order-by: ["time sideways"] }
                          aggregates:
                            - { name: m_5m, bucket: 5 minutes, group-by: [experiment_id], columns: ["count(*) AS n"],
                                refresh: { start-offset: 6 minutes, end-offset: 1 minute } }
                            - { name: m_7m, on: m_5m, bucket: 7 minutes, group-by: [metric_name], columns: ["sum(n) AS n"], real-time: sometimes }
                            - { name: m_month, on: m_5m, bucket: 1 month, bucket-column: "Month", columns: ["sum(n) AS n"] }
                            - { name: m_week, on: m_month, bucket: 7 days, columns: ["sum(n) AS n"] }
                            - { name: m_5m, on: nowhere, bucket: 1 hour, columns: ["sum(n) AS n"] }
                            - { name: experiments, bucket: 1 day, columns: ["count(*) AS n"] }""");
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfigLoader.parse(yaml, "t", ENV));
        String at = "services[ml-platform].options.experiment_metrics.timescale";
        List<String> keys = e.problems().stream().map(ConfigProblem::key).toList();
        for (String k : List.of(at + ".optional", at + ".compression.order-by", at + ".aggregates[0].refresh", at + ".aggregates[1].bucket",
                at + ".aggregates[1].group-by", at + ".aggregates[1].real-time", at + ".aggregates[2].bucket-column", at + ".aggregates[3].bucket",
                at + ".aggregates[4].name", at + ".aggregates[4].on", at + ".aggregates[5].name")) {
            assertTrue(keys.contains(k), k + " missing in " + keys);
        }
        assertEquals(11, keys.size(), "one problem each: " + e.getMessage());
        assertTrue(e.getMessage().contains("covers less than two 5 minutes buckets"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot be built on the calendar bucket"), e.getMessage());
    }

    @Test
    void badTableOptionsAreProblems() {
        String yaml = GOOD.replace("tables: [experiments.main.experiments, experiments.main.experiment_metrics]", """
                tables: [experiments.main.experiments, experiments.main.experiment_metrics]
                    options:
                      experiment_metrics: { delete: maybe, conflict: last-write-wins, timescale: { chunk-interval: soon } }
                      nope: { delete: soft }""");
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfigLoader.parse(yaml, "t", ENV));
        List<String> keys = e.problems().stream().map(ConfigProblem::key).toList();
        for (String k : List.of("services[ml-platform].options.experiment_metrics.delete", "services[ml-platform].options.experiment_metrics.timestamp-column",
                "services[ml-platform].options.experiment_metrics.timescale.time-column", "services[ml-platform].options.experiment_metrics.timescale.chunk-interval",
                "services[ml-platform].options.nope")) {
            assertTrue(keys.contains(k), k + " missing in " + keys);
        }
    }

    @Test
    void unreadableFileAndBadYamlAreProblemsToo() {
        ConfigException missing = assertThrows(ConfigException.class, () -> PipelineConfigLoader.load(Path.of("/nonexistent/p.yaml"), ENV));
        assertEquals("--config", missing.problems().get(0).key());
        ConfigException yaml = assertThrows(ConfigException.class, () -> PipelineConfigLoader.parse("kafka: [unclosed", "y", ENV));
        assertTrue(yaml.getMessage().contains("not valid YAML"), yaml.getMessage());
    }

    @Test
    void defaultValueSyntaxFillsAnUnsetVariable() throws ConfigException {
        PipelineConfig c = PipelineConfigLoader.parse(GOOD.replace("${TRIBUTARY_KAFKA}", "${UNSET_KAFKA:-localhost:9092}"), "t", ENV);
        assertEquals("localhost:9092", c.kafka().bootstrap());
        assertNull(c.source("nope").orElse(null));
    }

    @Test
    void aRequiredValueFromAnEmptyVariableIsAProblem() {
        Map<String, String> env = new java.util.HashMap<>(ENV);
        env.put("TRIBUTARY_KAFKA", "");
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfigLoader.parse(GOOD, "t", env));
        assertEquals(List.of("kafka.bootstrap: is empty (hint: host:port[,host:port], e.g. ${TRIBUTARY_KAFKA})"),
                e.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void kafkaPropertiesAreAMappingOfValues() {
        String values = GOOD.replace("kafka: { bootstrap: \"${TRIBUTARY_KAFKA}\" }",
                "kafka: { bootstrap: k, properties: { sasl.mechanism: [PLAIN], retries: ~, acks: all } }");
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfigLoader.parse(values, "t", ENV));
        assertEquals(List.of("kafka.properties.sasl.mechanism", "kafka.properties.retries"), e.problems().stream().map(ConfigProblem::key).toList());
        String list = GOOD.replace("kafka: { bootstrap: \"${TRIBUTARY_KAFKA}\" }", "kafka: { bootstrap: k, properties: [acks=all] }");
        ConfigException notMapping = assertThrows(ConfigException.class, () -> PipelineConfigLoader.parse(list, "t", ENV));
        assertEquals(List.of("kafka.properties"), notMapping.problems().stream().map(ConfigProblem::key).toList());
    }
}
