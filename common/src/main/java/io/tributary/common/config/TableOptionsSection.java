package io.tributary.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.schemas.event.TableRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code services[].options}: how the sink applies each table the service owns (by table name): delete mode,
 * conflict policy, and optionally a TimescaleDB hypertable with compression, retention and continuous
 * aggregates. Options for a table the service does not own are a problem, not ignored. Intervals are checked
 * for their form only (a number and a unit) and kept as written: PostgreSQL reads them when the sink
 * creates the hypertable.
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
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String where = at + "." + e.getKey();
            if (!ownedNames.contains(e.getKey())) {
                r.problem(where, "options for a table this service does not own", "use the table name of one of: " + ownedNames);
                continue;
            }
            out.put(e.getKey(), table(e.getValue(), where));
        }
        return out;
    }

    private PipelineConfig.TableOptions table(JsonNode n, String where) {
        r.known(n, where, "delete", "conflict", "timestamp-column", "timescale");
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
        PipelineConfig.Timescale ts = n.has("timescale") ? timescale(n.get("timescale"), where + ".timescale") : null;
        return new PipelineConfig.TableOptions("soft".equals(delete), "last-write-wins".equals(conflict) ? tsColumn : null, ts);
    }

    private PipelineConfig.Timescale timescale(JsonNode n, String at) {
        r.known(n, at, "time-column", "chunk-interval", "optional", "compression", "retention", "aggregates");
        String time = r.required(n, at, "time-column", "the column hypertable chunks are partitioned by, e.g. time");
        String chunk = r.interval(n, at, "chunk-interval", "7 days");
        boolean optional = Boolean.parseBoolean(r.optional(n, at, "optional", "false"));
        JsonNode comp = n.path("compression");
        r.known(comp, at + ".compression", "segment-by", "after");
        List<String> segmentBy = r.strings(comp.path("segment-by"), at + ".compression.segment-by");
        String after = comp.isMissingNode() ? null : r.interval(comp, at + ".compression", "after", "7 days");
        String retention = n.has("retention") ? r.interval(n, at, "retention", null) : null;
        List<PipelineConfig.Aggregate> aggs = new ArrayList<>();
        for (int i = 0; i < n.path("aggregates").size(); i++) {
            aggs.add(aggregate(n.path("aggregates").get(i), at + ".aggregates[" + i + "]"));
        }
        return new PipelineConfig.Timescale(time, chunk, optional, segmentBy, after, retention, List.copyOf(aggs));
    }

    private PipelineConfig.Aggregate aggregate(JsonNode a, String at) {
        r.known(a, at, "name", "bucket", "group-by", "columns", "refresh");
        JsonNode refresh = a.path("refresh");
        r.known(refresh, at + ".refresh", "start-offset", "end-offset", "every");
        String name = r.required(a, at, "name", "the view's name, e.g. experiment_metrics_5m");
        List<String> columns = r.strings(a.path("columns"), at + ".columns");
        if (columns.isEmpty()) {
            r.problem(at + ".columns", "missing or empty", "list aggregate expressions, e.g. [\"avg(metric_value) AS avg_value\"]");
        }
        return new PipelineConfig.Aggregate(name, r.interval(a, at, "bucket", "1 hour"), r.strings(a.path("group-by"), at + ".group-by"),
                columns, r.interval(refresh, at + ".refresh", "start-offset", "1 day"), r.interval(refresh, at + ".refresh", "end-offset", "1 minute"),
                r.interval(refresh, at + ".refresh", "every", "5 minutes"));
    }
}
