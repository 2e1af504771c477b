package io.tributary.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.schemas.event.TableRef;
import io.tributary.common.sql.Identifiers;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code options.<table>.target-table}, {@code rename}, {@code exclude} and {@code key}: a {@link TableMapping}.
 * Checks what the file alone can tell: names are not empty, two columns are not renamed to one name, a column
 * is not both renamed and left out, the key is not empty, names target columns (after the renames), has no
 * column twice and leaves none of them out. Whether the columns exist in the source, and whether the key is
 * unique there, is the transform's start-up check against the source.
 */
final class MappingReader {
    private final ConfigReader r;

    MappingReader(ConfigReader r) {
        this.r = r;
    }

    /** The mapping of table {@code source} declared in the options {@code n}, or null when none of its keys is set. */
    TableMapping read(JsonNode n, String where, TableRef source) {
        if (!n.has("target-table") && !n.has("rename") && !n.has("exclude") && !n.has("key")) {
            return null;
        }
        String target = r.optional(n, where, "target-table", source.table());
        if (target == null || target.isBlank() || !Identifiers.fitsPostgres(target)) {
            r.problem(where + ".target-table", "'" + target + "' is not a usable table name",
                    "give a name of 1 to " + Identifiers.POSTGRES_MAX_BYTES + " bytes (PostgreSQL cuts longer ones)");
            target = source.table();
        }
        Map<String, String> rename = renames(n.path("rename"), where + ".rename");
        List<String> exclude = r.strings(n.path("exclude"), where + ".exclude");
        for (String x : exclude) {
            if (rename.containsKey(x)) {
                r.problem(where + ".exclude", "column '" + x + "' is both renamed and left out", "remove it from rename: or from exclude:");
            }
        }
        List<String> key = r.strings(n.path("key"), where + ".key");
        TableMapping m = new TableMapping(source, target, rename, exclude, key);
        if (n.has("key")) {
            checkKey(m, where + ".key");
        }
        return m;
    }

    private Map<String, String> renames(JsonNode n, String at) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n.isMissingNode()) {
            return out;
        }
        if (!n.isObject()) {
            r.problem(at, "expected a mapping of source column to target column", "write rename: { date: time, open_price: open }");
            return out;
        }
        Set<String> targets = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String to = r.scalar(e.getValue(), at + "." + e.getKey());
            if (to == null || to.isBlank()) {
                r.problem(at + "." + e.getKey(), "no target column name", "write " + e.getKey() + ": <target column>");
            } else if (!targets.add(to)) {
                r.problem(at + "." + e.getKey(), "two columns are renamed to '" + to + "'", "give each target column its own name");
            } else {
                out.put(e.getKey(), to);
            }
        }
        return out;
    }

    private void checkKey(TableMapping m, String at) {
        if (m.key().isEmpty()) {
            r.problem(at, "the target key is empty", "list the target columns that identify a row, e.g. key: [symbol, time], or leave key: out to keep the source's");
            return;
        }
        Set<String> seen = new HashSet<>();
        for (String k : m.key()) {
            String from = m.sourceColumn(k);
            if (!seen.add(k)) {
                r.problem(at, "column '" + k + "' is in the key twice", "list each key column once");
            } else if (from == null) {
                r.problem(at, "'" + k + "' is renamed to '" + m.rename().get(k) + "'", "name key columns by their target names: " + m.rename().get(k));
            } else if (m.exclude().contains(from)) {
                r.problem(at, "key column '" + k + "' is left out (exclude:)", "keep the key's columns: remove '" + from + "' from exclude:");
            }
        }
    }
}
