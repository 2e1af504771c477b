package io.tributary.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;

/**
 * A PostgreSQL monolith's tables replicated into a target the service's migrations created first
 * ({@link ExistingTarget}): bigint, text and double precision arrive converted into the target's SERIAL/INTEGER,
 * VARCHAR(32), JSONB and DECIMAL(20,6), and detach leaves the schema as the DDL made it.
 */
class ExistingTargetPostgresIT {
    @TempDir
    Path dir;

    @Test
    void aMigrationOwnedTargetIsFilledThenTakenOverAndDetached() throws Exception {
        PostgresScenario scenario = new PostgresScenario(dir, "existing");
        ExistingTarget target = new ExistingTarget(scenario.targetUrl);
        PostgresScenario.sql(scenario.sourceUrl, "CREATE TABLE experiments (id bigserial PRIMARY KEY, name text NOT NULL, config text, "
                + "created_at timestamp NOT NULL, active boolean NOT NULL DEFAULT true); "
                + "CREATE TABLE metrics (experiment_id bigint NOT NULL REFERENCES experiments (id), step bigint NOT NULL, "
                + "recorded_at timestamp NOT NULL, value double precision, price double precision, PRIMARY KEY (experiment_id, step))");
        ExistingTarget.seed(scenario.sourceUrl);
        scenario.pipelineWith(ExistingTarget.OPTIONS, "experiments", "metrics");
        target.fillUseAndDetach(scenario.file, scenario.config, scenario.sourceUrl);
    }
}
