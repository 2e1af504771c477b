package io.tributary.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.schemas.event.TableRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code services:} part of the pipeline file: each owning service's name, sink group, target database,
 * the captured tables it owns and how each is applied ({@link TableOptionsSection}). Checked across services:
 * names are unique, each table listed is captured by a source, a table has one owning service, and a
 * service has at most one table per target name (its service topic and target table are named by it: the
 * table's name, or its {@code target-table}).
 */
final class ServicesSection {
    private final ConfigReader r;

    ServicesSection(ConfigReader r) {
        this.r = r;
    }

    List<PipelineConfig.Service> read(JsonNode list, List<PipelineConfig.Source> sources) {
        List<PipelineConfig.Service> out = new ArrayList<>();
        if (!list.isArray() || list.isEmpty()) {
            r.problem("services", "missing or empty", "list at least one service with a name, target: and the tables it owns");
            return out;
        }
        Map<String, TableRef> captured = new HashMap<>();
        sources.forEach(s -> s.tables().forEach(t -> captured.put(t.topic(), t)));
        Map<String, String> owner = new HashMap<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(service(list.get(i), "services[" + i + "]", names, captured, owner));
        }
        return out;
    }

    /**
     * One service at {@code at} (its index until its name is known).
     *
     * @param names    service names seen so far
     * @param captured every captured table by its topic name
     * @param owner    the owning service of each table seen so far, by topic name
     */
    private PipelineConfig.Service service(JsonNode n, String at, Set<String> names, Map<String, TableRef> captured,
                                           Map<String, String> owner) {
        String name = r.required(n, at, "name", "the owning service's name, e.g. trading-engine");
        if (name != null) {
            at = "services[" + name + "]";
            if (!ConfigReader.NAME.matcher(name).matches()) {
                r.problem(at + ".name", "'" + name + "' is not a valid name", "use lower-case letters, digits, '-' and '_'");
            } else if (!names.add(name)) {
                r.problem(at + ".name", "two services are named '" + name + "'", "give each service its own name");
            }
        }
        r.known(n, at, "name", "group", "target", "tables", "options", "park-timeout");
        String group = r.optional(n, at, "group", "tributary-sink-" + name);
        PipelineConfig.Database target = target(n.path("target"), at + ".target");
        List<TableRef> tables = ownedTables(n.path("tables"), at, name, captured, owner);
        Map<String, PipelineConfig.TableOptions> options = new TableOptionsSection(r).read(n.path("options"), at + ".options", tables);
        PipelineConfig.Service s = new PipelineConfig.Service(name, group, target, tables, Map.copyOf(options), Duration.ZERO);
        List<TableRef> distinct = distinctTargets(s, at);
        Duration parkTimeout = r.duration(n, at, "park-timeout", Duration.ofMinutes(10));
        return new PipelineConfig.Service(name, group, target, distinct, Map.copyOf(options), parkTimeout);
    }

    /**
     * The service's tables, each mapped to a target table no other of them maps to: two would share the service
     * topic {@code <service>.<target>} and the target table. The later of two is left out, with a problem.
     */
    private List<TableRef> distinctTargets(PipelineConfig.Service s, String at) {
        Map<String, TableRef> byTarget = new java.util.LinkedHashMap<>();
        for (TableRef t : s.tables()) {
            TableRef other = byTarget.putIfAbsent(s.targetTable(t), t);
            if (other != null) {
                r.problem(at + ".tables", "'" + other + "' and '" + t + "' both map to the target table '" + s.targetTable(t)
                        + "' (and the service topic " + s.name() + "." + s.targetTable(t) + ")",
                        "a service has one table per target name: give one of them another options." + t.table() + ".target-table");
            }
        }
        return List.copyOf(byTarget.values());
    }

    private PipelineConfig.Database target(JsonNode t, String at) {
        r.known(t, at, "url", "user", "password");
        String url = r.required(t, at, "url", "jdbc:postgresql://host:5432/service_db");
        if (url != null && !url.startsWith("jdbc:postgresql://")) {
            r.problem(at + ".url", "'" + url + "' is not a PostgreSQL JDBC URL", "write jdbc:postgresql://host:5432/database");
        }
        String user = r.required(t, at, "user", "a role that may create tables in the target database");
        return new PipelineConfig.Database(url, user, new Secret(r.optional(t, at, "password", "")));
    }

    /** The tables {@code service} lists, as {@code <source>.<schema>.<table>}; those that break an ownership rule are left out. */
    private List<TableRef> ownedTables(JsonNode tl, String at, String service, Map<String, TableRef> captured, Map<String, String> owner) {
        List<TableRef> tables = new ArrayList<>();
        if (!tl.isArray() || tl.isEmpty()) {
            r.problem(at + ".tables", "missing or empty", "list the tables this service owns as <source>.<schema>.<table>");
        }
        for (JsonNode tn : tl) {
            String topic = r.scalar(tn, at + ".tables");
            TableRef ref = topic == null ? null : captured.get(topic);
            if (topic != null && ref == null) {
                r.problem(at + ".tables", "unknown table '" + topic + "'",
                        "name a table listed under sources as <source>.<schema>.<table>; known: " + new TreeSet<>(captured.keySet()));
            } else if (ref != null) {
                String previous = owner.putIfAbsent(topic, service);
                if (previous != null && !previous.equals(service)) {
                    r.problem(at + ".tables", "'" + topic + "' is already owned by service '" + previous + "'", "each table has exactly one owning service");
                } else if (tables.contains(ref)) {
                    r.problem(at + ".tables", "'" + topic + "' is listed twice", "list each table once");
                } else {
                    tables.add(ref);
                }
            }
        }
        return tables;
    }
}
