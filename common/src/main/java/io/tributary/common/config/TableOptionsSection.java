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
 * conflict policy, the service's shape of it ({@link MappingReader}: target table, renamed, left-out columns, key),
 * and optionally a TimescaleDB hypertable with compression, retention and continuous
 * aggregates (read by {@link TimescaleReader}). Options for a table the service does not own are a problem,
 * not ignored. Intervals are checked for their form (a number and a unit) and kept as written: PostgreSQL
 * reads them when the sink creates the hypertable.
 */
final class TableOptionsSection {
    private final ConfigReader r;

    TableOptionsSection(ConfigReader r) {
        this.r = r;
    }

    /**
     * The options of each owned table listed under {@code n} (by its table name, or {@code <source>.<schema>.<table>}
     * where two owned tables share a name), kept by the target table's name; tables not listed use
     * {@link PipelineConfig.TableOptions#DEFAULT}.
     */
    Map<String, PipelineConfig.TableOptions> read(JsonNode n, String at, List<TableRef> owned) {
        Map<String, PipelineConfig.TableOptions> out = new HashMap<>();
        if (n.isMissingNode()) {
            return out;
        }
        TimescaleReader timescale = new TimescaleReader(r); // one per service: aggregate names are unique within it
        Set<String> targets = new HashSet<>();
        owned.forEach(t -> targets.add(t.table()));
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String where = at + "." + e.getKey();
            TableRef table = ownedTable(e.getKey(), where, owned);
            if (table != null) {
                PipelineConfig.TableOptions o = table(e.getValue(), where, timescale, table);
                String target = o.mapping() == null ? table.table() : o.mapping().targetTable();
                targets.remove(table.table());
                targets.add(target);
                out.put(target, o);
            }
        }
        timescale.checkAggregateNames(targets);
        return out;
    }

    /** The owned table an options key names, or null (and a problem). */
    private TableRef ownedTable(String name, String where, List<TableRef> owned) {
        List<TableRef> named = owned.stream().filter(t -> t.table().equals(name)
                || (t.source() + "." + t.schema() + "." + t.table()).equals(name)).toList();
        if (named.size() == 1) {
            return named.get(0);
        }
        if (named.isEmpty()) {
            r.problem(where, "options for a table this service does not own",
                    "use the table name of one of: " + owned.stream().map(TableRef::table).sorted().toList());
        } else {
            r.problem(where, "the service owns " + named.size() + " tables named '" + name + "'",
                    "name the table as <source>.<schema>.<table>, one of: " + named.stream().map(t -> t.source() + "." + t.schema() + "." + t.table()).toList());
        }
        return null;
    }

    private PipelineConfig.TableOptions table(JsonNode n, String where, TimescaleReader timescale, TableRef source) {
        r.known(n, where, "delete", "conflict", "timestamp-column", "timescale", "target-table", "rename", "exclude", "key");
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
        TableMapping mapping = new MappingReader(r).read(n, where, source);
        return new PipelineConfig.TableOptions("soft".equals(delete), "last-write-wins".equals(conflict) ? tsColumn : null, ts, mapping);
    }
}
