package io.tributary.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.schemas.event.TableRef;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code services[].options}: how the sink applies each table the service owns (by table name): delete mode,
 * conflict policy, and optionally a TimescaleDB hypertable with compression, retention and continuous
 * aggregates (read by {@link TimescaleReader}). Options for a table the service does not own are a problem,
 * not ignored. Intervals are checked for their form (a number and a unit) and kept as written: PostgreSQL
 * reads them when the sink creates the hypertable.
 */
final class TableOptionsSection {
    private final ConfigReader r;

    TableOptionsSection(ConfigReader r) {
        this.r = r;
    }

    /** The options of each owned table listed under {@code n}; tables not listed use {@link PipelineConfig.TableOptions#DEFAULT}. */
    Map<String, PipelineConfig.TableOptions> read(JsonNode n, String at, List<TableRef> owned) {
        Map<String, PipelineConfig.TableOptions> out = new HashMap<>();
        if (n.isMissingNode()) {
            return out;
        }
        Set<String> ownedNames = new HashSet<>();
        owned.forEach(t -> ownedNames.add(t.table()));
        TimescaleReader timescale = new TimescaleReader(r); // one per service: aggregate names are unique within it
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String where = at + "." + e.getKey();
            if (!ownedNames.contains(e.getKey())) {
                r.problem(where, "options for a table this service does not own", "use the table name of one of: " + ownedNames);
                continue;
            }
            out.put(e.getKey(), table(e.getValue(), where, timescale));
        }
        timescale.checkAggregateNames(ownedNames);
        return out;
    }

    private PipelineConfig.TableOptions table(JsonNode n, String where, TimescaleReader timescale) {
        r.known(n, where, "delete", "conflict", "timestamp-column", "timescale", "constraints");
        String delete = r.optional(n, where, "delete", "hard");
        String conflict = r.optional(n, where, "conflict", "position");
        String tsColumn = r.optional(n, where, "timestamp-column", null);
        if (!Set.of("hard", "soft").contains(delete)) {
            r.problem(where + ".delete", "'" + delete + "' is not a delete mode", "hard (rows are removed) or soft (rows stay, " + io.tributary.common.sql.Bookkeeping.DELETED + " = true)");
        }
        if (!Set.of("position", "last-write-wins").contains(conflict)) {
            r.problem(where + ".conflict", "'" + conflict + "' is not a conflict policy", "position (default) or last-write-wins");
        } else if (conflict.equals("last-write-wins") && tsColumn == null) {
            r.problem(where + ".timestamp-column", "last-write-wins needs the column that orders writes", "name a timestamp column of the table");
        }
        PipelineConfig.Timescale ts = n.has("timescale") ? timescale.read(n.get("timescale"), where + ".timescale") : null;
        boolean constraints = r.bool(n, where, "constraints", false);
        return new PipelineConfig.TableOptions("soft".equals(delete), "last-write-wins".equals(conflict) ? tsColumn : null, ts, constraints);
    }
}
