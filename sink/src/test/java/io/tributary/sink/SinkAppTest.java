package io.tributary.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.schemas.event.TableRef;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SinkAppTest {
    /** PostgreSQL cuts a name past 63 bytes: the sink would create the table under another name and never find it. */
    @Test
    void aTargetTableNameLongerThanPostgresKeepsIsRefusedAtStart() {
        String longName = "experiment_metrics_" + "x".repeat(40) + "_daily"; // 65 bytes
        String fits = "é".repeat(31); // 62 bytes in UTF-8
        PipelineConfig.Service s = new PipelineConfig.Service("ml", "g", new PipelineConfig.Database("jdbc:postgresql://x/y", "u", Secret.NONE),
                List.of(new TableRef("src", "main", fits), new TableRef("src", "main", longName)), Map.of(), Duration.ofMinutes(10));
        Preflight preflight = new Preflight();
        SinkApp.checkTableNames(s, preflight);
        assertEquals(1, preflight.problems().size(), preflight.problems().toString());
        String problem = preflight.problems().get(0).toString();
        assertTrue(problem.startsWith("services[ml].tables[1]: target table name " + longName + " is 65 bytes"), problem);
        assertTrue(problem.contains("map it to a shorter name (options.<table>.target-table)"), problem);
    }

    @Test
    void aLongSourceTableMappedToAShortTargetNameIsAccepted() {
        TableRef longTable = new TableRef("src", "main", "experiment_metrics_" + "x".repeat(40) + "_daily");
        var mapping = new io.tributary.common.config.TableMapping(longTable, "metrics_daily", Map.of(), List.of(), List.of());
        PipelineConfig.Service s = new PipelineConfig.Service("ml", "g", new PipelineConfig.Database("jdbc:postgresql://x/y", "u", Secret.NONE),
                List.of(longTable), Map.of("metrics_daily", new PipelineConfig.TableOptions(false, null, null, mapping)), Duration.ofMinutes(10));
        Preflight preflight = new Preflight();
        SinkApp.checkTableNames(s, preflight);
        assertEquals(List.of(), preflight.problems());
    }
}
