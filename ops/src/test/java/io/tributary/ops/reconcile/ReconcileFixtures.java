package io.tributary.ops.reconcile;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.schemas.event.TableRef;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Pipeline files in code and SQL helpers for the reconcile tests: real SQLite files and real PostgreSQL databases. */
final class ReconcileFixtures {
    private ReconcileFixtures() {
    }

    static PipelineConfig sqlitePipeline(Path sqlite, String target, Map<String, PipelineConfig.TableOptions> options, String... tables) {
        List<TableRef> refs = java.util.Arrays.stream(tables).map(t -> new TableRef("lite", "main", t)).toList();
        return config(new PipelineConfig.Source("lite", new PipelineConfig.Sqlite(sqlite, Duration.ofMillis(20)), null, refs), refs, target, options);
    }

    static PipelineConfig postgresPipeline(String source, String target, String... tables) {
        List<TableRef> refs = java.util.Arrays.stream(tables).map(t -> new TableRef("mono", "public", t)).toList();
        return config(new PipelineConfig.Source("mono", null, new PipelineConfig.Postgres(source, "postgres", Secret.NONE, "s", "p"), refs),
                refs, target, Map.of());
    }

    private static PipelineConfig config(PipelineConfig.Source source, List<TableRef> refs, String target,
                                         Map<String, PipelineConfig.TableOptions> options) {
        return new PipelineConfig(new PipelineConfig.Kafka("unused:9092", 1, 1, Map.of()), new PipelineConfig.Registry("http://unused", "BACKWARD"),
                List.of(source), List.of(new PipelineConfig.Service("svc", "g", new PipelineConfig.Database(target, "postgres", Secret.NONE), refs,
                options, Duration.ofMinutes(10))), Map.of());
    }

    /** Runs {@code statements} (separated by a semicolon at the end of a line) on a JDBC URL (SQLite or PostgreSQL). */
    static void sql(String url, String statements) throws Exception {
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
