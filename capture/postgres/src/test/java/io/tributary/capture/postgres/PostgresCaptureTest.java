package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.schemas.event.TableRef;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class PostgresCaptureTest {
    private static PipelineConfig config(String url) {
        PipelineConfig.Source source = new PipelineConfig.Source("monolith", null,
                new PipelineConfig.Postgres(url, "cdc", new Secret("pw"), "tributary_monolith", "tributary_monolith"),
                List.of(new TableRef("monolith", "public", "trades"), new TableRef("monolith", "ledger", "my.table")));
        return new PipelineConfig(new PipelineConfig.Kafka("k:9092", 3, 1, Map.of("security.protocol", "SASL_SSL")),
                new PipelineConfig.Registry("http://r:8081", "BACKWARD"), List.of(source), List.of(), Map.of());
    }

    @Test
    void connectorEmitsWhatConnectRecordsReads() {
        PipelineConfig c = config("jdbc:postgresql://db:5433/ai_trader");
        Properties p = PostgresCapture.connectorProperties(c, c.sources().get(0));
        // ConnectRecords' type mapping is written for exactly these representations
        assertEquals("string", p.getProperty("decimal.handling.mode"));
        assertEquals("adaptive_time_microseconds", p.getProperty("time.precision.mode"));
        assertEquals("bytes", p.getProperty("binary.handling.mode"));
        assertEquals(".*", p.getProperty("column.propagate.source.type"));
        assertEquals(ConnectRecords.UNAVAILABLE, p.getProperty("unavailable.value.placeholder"));
        assertEquals("pgoutput", p.getProperty("plugin.name"));
    }

    @Test
    void connectorReachesTheConfiguredSourceAndKeepsOffsetsInKafka() {
        PipelineConfig c = config("jdbc:postgresql://db:5433/ai_trader");
        Properties p = PostgresCapture.connectorProperties(c, c.sources().get(0));
        assertEquals("db", p.getProperty("database.hostname"));
        assertEquals("5433", p.getProperty("database.port"));
        assertEquals("ai_trader", p.getProperty("database.dbname"));
        assertEquals("pw", p.getProperty("database.password"));
        assertEquals("tributary_monolith", p.getProperty("slot.name"));
        // table names are regular expressions to Debezium: a dot in a name must match only a dot
        String[] include = p.getProperty("table.include.list").split(",");
        assertEquals(2, include.length);
        assertTrue("public.trades".matches(include[0]));
        assertTrue("ledger.my.table".matches(include[1]));
        assertFalse("ledger.myXtable".matches(include[1]), include[1]);
        assertEquals("tributary.offsets.monolith", p.getProperty("offset.storage.topic"));
        assertEquals("3", p.getProperty("offset.storage.replication.factor"));
        assertEquals("k:9092", p.getProperty("bootstrap.servers"));
        assertEquals("SASL_SSL", p.getProperty("security.protocol"), "kafka.properties reach the offset store's clients");
    }

    @Test
    void laterSnapshotsAreIncrementalWithReadOnlyWatermarksAskedThroughTheSignalTableAndReportedToTheHandler() {
        PipelineConfig c = config("jdbc:postgresql://db:5433/ai_trader");
        Properties p = PostgresCapture.connectorProperties(c, c.sources().get(0));
        assertEquals("true", p.getProperty("read.only"), "nothing is written to the source, no signal table");
        assertEquals("source", p.getProperty("signal.enabled.channels"), "executed on the streaming thread (DBZ-8674)");
        assertEquals("public.tributary_signals", p.getProperty("signal.data.collection"));
        assertEquals("sink", p.getProperty("notification.enabled.channels"));
        assertEquals(PostgresCapture.notificationTopic(c.sources().get(0)), p.getProperty("notification.sink.topic.name"));
    }

    @Test
    void theEngineBatchSizePositionsRelyOnIsNotOverriddenByKafkaProperties() {
        PipelineConfig base = config("jdbc:postgresql://db:5433/ai_trader");
        PipelineConfig c = new PipelineConfig(new PipelineConfig.Kafka("k:9092", 3, 1, Map.of("max.batch.size", "100000")), base.registry(),
                base.sources(), base.services(), base.http(), base.httpBind());
        assertEquals(String.valueOf(PostgresCapture.MAX_BATCH), PostgresCapture.connectorProperties(c, c.sources().get(0)).getProperty("max.batch.size"));
    }

    @Test
    void aBatchThatIsNotFullIsHandedOverWithoutWaitingHalfASecond() {
        PipelineConfig c = config("jdbc:postgresql://db:5433/ai_trader");
        // Debezium's default, 500 ms, held a change up to a second at moderate rates (LoneChangeLatencyIT)
        assertEquals("10", PostgresCapture.connectorProperties(c, c.sources().get(0)).getProperty("poll.interval.ms"));
    }

    @Test
    void whatTheEngineHoldsIsBoundedByCountAndBytes() {
        PipelineConfig c = config("jdbc:postgresql://db:5433/ai_trader");
        Properties p = PostgresCapture.connectorProperties(c, c.sources().get(0));
        assertEquals(String.valueOf(4 * PostgresCapture.MAX_BATCH), p.getProperty("max.queue.size"), "Debezium requires it above max.batch.size");
        assertEquals(String.valueOf(32L << 20), p.getProperty("max.queue.size.in.bytes"));
        assertEquals("2048", p.getProperty("snapshot.fetch.size"));
    }

    @Test
    void theInitialSnapshotIsReadBySnapshotWorkersSplittingATableIntoKeyRanges() {
        PipelineConfig c = config("jdbc:postgresql://db:5433/ai_trader");
        Properties p = PostgresCapture.connectorProperties(c, c.sources().get(0));
        assertEquals(String.valueOf(PipelineConfig.Postgres.DEFAULT_SNAPSHOT_WORKERS), p.getProperty("snapshot.max.threads"));
        assertEquals("false", p.getProperty("legacy.snapshot.max.threads"), "chunks of one table across threads, not a table per thread");
        PipelineConfig.Postgres pg = c.sources().get(0).postgres();
        PipelineConfig.Source four = new PipelineConfig.Source("monolith", null, new PipelineConfig.Postgres(pg.url(), pg.user(), pg.password(),
                pg.slot(), pg.publication(), pg.signalTable(), pg.heartbeat(), pg.refuseTruncate(), 4), c.sources().get(0).tables());
        assertEquals("4", PostgresCapture.connectorProperties(c, four).getProperty("snapshot.max.threads"));
    }

    @Test
    void theTlsOfTheUrlReachesDebeziumsConnections() {
        PipelineConfig c = config("jdbc:postgresql://db:5433/ai_trader?sslmode=verify-ca&sslrootcert=/etc/ca.crt&sslcert=/etc/c.crt&sslkey=/etc/c.pk8");
        Properties p = PostgresCapture.connectorProperties(c, c.sources().get(0));
        assertEquals("verify-ca", p.getProperty("database.sslmode"));
        assertEquals("/etc/ca.crt", p.getProperty("database.sslrootcert"));
        assertEquals("/etc/c.crt", p.getProperty("database.sslcert"));
        assertEquals("/etc/c.pk8", p.getProperty("database.sslkey"));
        PipelineConfig ssl = config("jdbc:postgresql://db:5433/ai_trader?ssl=true");
        assertEquals("verify-full", PostgresCapture.connectorProperties(ssl, ssl.sources().get(0)).getProperty("database.sslmode"),
                "pgjdbc's meaning of ssl=true, not Debezium's default prefer");
        PipelineConfig none = config("jdbc:postgresql://db:5433/ai_trader");
        assertEquals(null, PostgresCapture.connectorProperties(none, none.sources().get(0)).getProperty("database.sslmode"));
    }

    @Test
    void heartbeatsAreOnByDefault() {
        PipelineConfig c = config("jdbc:postgresql://db:5433/ai_trader");
        Properties p = PostgresCapture.connectorProperties(c, c.sources().get(0));
        assertEquals("10000", p.getProperty("heartbeat.interval.ms"));
        assertTrue(p.getProperty("heartbeat.action.query").contains("pg_logical_emit_message(false"), p.getProperty("heartbeat.action.query"));
    }

    @Test
    void aUrlThatIsNotPostgresIsRefusedWithItsKey() {
        PipelineConfig c = config("jdbc:mysql://db/x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PostgresCapture.connectorProperties(c, c.sources().get(0)));
        assertTrue(e.getMessage().contains("sources[monolith].postgres.url"), e.getMessage());
    }
}
