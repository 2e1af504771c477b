package io.tributary.ops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconciler on a real SQLite source and a real PostgreSQL target laid out as the sink leaves it
 * (docs/sink.md): the bookkeeping columns are not data, and a row a soft-delete table keeps flagged as
 * deleted is not part of the source's current state.
 */
class ReconcilerIT {
    @TempDir
    Path dir;

    @Test
    void bookkeepingColumnsAndSoftDeletedRowsAreLeftOutOfTheTargetSide() throws Exception {
        Path sqlite = dir.resolve("experiments.db");
        sql("jdbc:sqlite:" + sqlite, """
                CREATE TABLE regime_history (id INTEGER PRIMARY KEY, label TEXT NOT NULL, prob REAL);
                INSERT INTO regime_history VALUES (1, 'bull', 0.5), (2, 'bear', 0.25);
                CREATE TABLE metrics (metric_name TEXT NOT NULL, metric_value REAL NOT NULL);
                INSERT INTO metrics VALUES ('loss', 0.5), ('acc', 0.75);
                """);
        String target = TestServers.newDatabase("reconcile_soft_delete");
        sql(target, """
                CREATE TABLE regime_history (id bigint PRIMARY KEY, label text NOT NULL, prob double precision,
                  %1$s bigint[] NOT NULL, %2$s boolean NOT NULL DEFAULT false);
                INSERT INTO regime_history VALUES (1, 'bull', 0.5, '{1,0,0,1}', false), (2, 'bear', 0.25, '{1,0,0,2}', false),
                  (3, 'sideways', 0.25, '{1,0,7,1}', true);
                CREATE TABLE metrics (%3$s bigint PRIMARY KEY, metric_name text NOT NULL, metric_value double precision NOT NULL,
                  %1$s bigint[] NOT NULL);
                INSERT INTO metrics VALUES (1, 'loss', 0.5, '{1,0,0,1}'), (2, 'acc', 0.75, '{1,0,0,2}');
                """.formatted(Bookkeeping.POSITION, Bookkeeping.DELETED, TableSchema.ROWID_COLUMN));
        TableRef regimes = new TableRef("experiments", "main", "regime_history");
        TableRef metrics = new TableRef("experiments", "main", "metrics");
        PipelineConfig config = new PipelineConfig(new PipelineConfig.Kafka("unused:9092", 1, 1, Map.of()),
                new PipelineConfig.Registry("http://unused", "BACKWARD"),
                List.of(new PipelineConfig.Source("experiments", new PipelineConfig.Sqlite(sqlite, Duration.ofMillis(20)), null,
                        List.of(regimes, metrics))),
                List.of(new PipelineConfig.Service("ml-platform", "g", new PipelineConfig.Database(target, "postgres", Secret.NONE),
                        List.of(regimes, metrics), Map.of("regime_history", new PipelineConfig.TableOptions(true, null)), Duration.ofMinutes(10))),
                Map.of());

        List<Reconciler.TableReport> reports = Reconciler.reconcile(config);
        assertTrue(reports.stream().allMatch(Reconciler.TableReport::matches), reports.toString());
        assertEquals(2, reports.get(0).targetRows(), "the row deleted in the source is not counted: " + reports.get(0));

        // the control: the same row not flagged is a row the source does not have
        sql(target, "UPDATE regime_history SET " + Bookkeeping.DELETED + " = false WHERE id = 3");
        Reconciler.TableReport differs = Reconciler.reconcile(config).get(0);
        assertFalse(differs.matches(), differs.toString());
        assertEquals(3, differs.targetRows());
    }

    private static void sql(String url, String statements) throws Exception {
        try (Connection c = url.startsWith("jdbc:sqlite:") ? DriverManager.getConnection(url) : DriverManager.getConnection(url, "postgres", "");
             Statement s = c.createStatement()) {
            for (String statement : statements.split(";\\s*\\n")) {
                if (!statement.isBlank()) {
                    s.execute(statement);
                }
            }
        }
    }
}
