package io.tributary.common.config;

import io.tributary.schemas.event.TableRef;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a pipeline file: YAML, with {@code ${NAME}} and {@code ${NAME:-default}} replaced from the
 * environment, then checks every key and collects every problem before failing once with a
 * {@link ConfigException}. Unknown keys are problems too: a typo must not silently become a default.
 */
public final class PipelineConfigLoader {
    static final Set<String> DEPLOYABLES = Set.of("capture-postgres", "capture-sqlite", "transform", "sink");
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]*");
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

    private final Map<String, String> env;
    private final List<ConfigProblem> problems = new ArrayList<>();

    private PipelineConfigLoader(Map<String, String> env) {
        this.env = env;
    }

    public static PipelineConfig load(Path file) throws ConfigException {
        return load(file, System.getenv());
    }

    public static PipelineConfig load(Path file, Map<String, String> env) throws ConfigException {
        if (!Files.isReadable(file)) {
            throw new ConfigException("pipeline file " + file, List.of(new ConfigProblem("--config",
                    "file " + file + " does not exist or is not readable", "pass the path of your pipeline YAML")));
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("pipeline file " + file, List.of(new ConfigProblem("--config",
                    "cannot read " + file + ": " + e.getMessage(), "check the file's permissions")));
        }
        return parse(text, file.toString(), env);
    }

    /**
     * A file with problems, read as far as it goes: the parts that are valid (possibly null elsewhere) and
     * every problem, so that a deployable can still check the servers the file does name correctly.
     */
    public record Partial(PipelineConfig config, List<ConfigProblem> problems) {
    }

    public static Partial readPartial(Path file, Map<String, String> env) {
        try {
            return new Partial(load(file, env), List.of());
        } catch (ConfigException e) {
            PipelineConfig partial = null;
            try {
                PipelineConfigLoader loader = new PipelineConfigLoader(env);
                partial = loader.read(new YAMLMapper().readTree(Files.readString(file)));
            } catch (IOException | RuntimeException unreadable) {
                // the problems already say why the file cannot be read; nothing partial to offer
            }
            return new Partial(partial, e.problems());
        }
    }

    public static PipelineConfig parse(String yaml, String origin, Map<String, String> env) throws ConfigException {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(yaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ConfigException("pipeline file " + origin, List.of(new ConfigProblem("(file)",
                    "not valid YAML" + where + ": " + e.getOriginalMessage(), "fix the YAML syntax")));
        }
        PipelineConfigLoader loader = new PipelineConfigLoader(env);
        PipelineConfig config = loader.read(root);
        if (!loader.problems.isEmpty()) {
            throw new ConfigException("pipeline file " + origin, loader.problems);
        }
        return config;
    }

    private PipelineConfig read(JsonNode root) {
        if (root == null || !root.isObject()) {
            problem("(file)", "the file is empty or not a mapping", "start from docs/pipeline-file.md");
            return null;
        }
        known(root, "", "kafka", "registry", "sources", "services", "http");
        PipelineConfig.Kafka kafka = readKafka(root.path("kafka"));
        PipelineConfig.Registry registry = readRegistry(root.path("registry"));
        List<PipelineConfig.Source> sources = readSources(root.path("sources"));
        List<PipelineConfig.Service> services = readServices(root.path("services"), sources);
        Map<String, Integer> http = readHttp(root.path("http"));
        return new PipelineConfig(kafka, registry, sources, services, http);
    }

    private PipelineConfig.Kafka readKafka(JsonNode n) {
        known(n, "kafka", "bootstrap", "replication-factor", "partitions", "properties");
        String bootstrap = required(n, "kafka", "bootstrap", "host:port[,host:port], e.g. ${TRIBUTARY_KAFKA}");
        int rf = integer(n, "kafka", "replication-factor", 1, 1, 16);
        int partitions = integer(n, "kafka", "partitions", 1, 1, 10_000);
        Map<String, String> props = new LinkedHashMap<>();
        n.path("properties").fields().forEachRemaining(e -> props.put(e.getKey(), scalar(e.getValue(), "kafka.properties." + e.getKey())));
        return new PipelineConfig.Kafka(bootstrap, rf, partitions, Map.copyOf(props));
    }

    private PipelineConfig.Registry readRegistry(JsonNode n) {
        known(n, "registry", "url", "compatibility");
        String url = required(n, "registry", "url", "the Confluent-compatible base URL, e.g. ${TRIBUTARY_REGISTRY}");
        if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
            problem("registry.url", "'" + url + "' is not an http(s) URL", "write e.g. http://registry:8081");
        }
        String compat = optional(n, "registry", "compatibility", "BACKWARD");
        if (!Set.of("BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE").contains(compat)) {
            problem("registry.compatibility", "unknown level '" + compat + "'", "one of BACKWARD, FORWARD, FULL (optionally _TRANSITIVE) or NONE");
        }
        return new PipelineConfig.Registry(url, compat);
    }

    private List<PipelineConfig.Source> readSources(JsonNode list) {
        List<PipelineConfig.Source> out = new ArrayList<>();
        if (!list.isArray() || list.isEmpty()) {
            problem("sources", "missing or empty", "list at least one source with a name, sqlite: or postgres:, and tables:");
            return out;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode n = list.get(i);
            String at = "sources[" + i + "]";
            String name = required(n, at, "name", "a short lower-case name; it prefixes the topics");
            if (name != null) {
                at = "sources[" + name + "]";
                if (!NAME.matcher(name).matches()) {
                    problem(at + ".name", "'" + name + "' is not a valid name", "use lower-case letters, digits, '-' and '_', starting with a letter");
                } else if (!names.add(name)) {
                    problem(at + ".name", "two sources are named '" + name + "'", "give each source its own name");
                }
            }
            known(n, at, "name", "sqlite", "postgres", "tables");
            boolean hasSqlite = n.has("sqlite");
            boolean hasPg = n.has("postgres");
            if (hasSqlite == hasPg) {
                problem(at, hasSqlite ? "has both sqlite: and postgres:" : "has neither sqlite: nor postgres:", "give each source exactly one of them");
            }
            PipelineConfig.Sqlite sqlite = hasSqlite ? readSqlite(n.get("sqlite"), at + ".sqlite") : null;
            PipelineConfig.Postgres pg = hasPg ? readPostgres(n.get("postgres"), at + ".postgres", name) : null;
            out.add(new PipelineConfig.Source(name, sqlite, pg, readSourceTables(n.path("tables"), at, name, hasSqlite)));
        }
        return out;
    }

    private PipelineConfig.Sqlite readSqlite(JsonNode n, String at) {
        known(n, at, "path", "poll-interval", "wal-limit-mb");
        String path = required(n, at, "path", "the path of the application's SQLite database file");
        Duration poll = duration(n, at, "poll-interval", Duration.ofMillis(100));
        int walLimit = integer(n, at, "wal-limit-mb", 32, 1, 1 << 20);
        return new PipelineConfig.Sqlite(path == null ? null : Path.of(path), poll, walLimit);
    }

    private PipelineConfig.Postgres readPostgres(JsonNode n, String at, String sourceName) {
        known(n, at, "url", "user", "password", "slot", "publication");
        String url = required(n, at, "url", "jdbc:postgresql://host:5432/database");
        if (url != null && !url.startsWith("jdbc:postgresql://")) {
            problem(at + ".url", "'" + url + "' is not a PostgreSQL JDBC URL", "write jdbc:postgresql://host:5432/database");
        }
        String user = required(n, at, "user", "a role with REPLICATION and SELECT on the tables");
        String password = optional(n, at, "password", "");
        String base = sourceName == null ? "tributary" : "tributary_" + sourceName.replace('-', '_');
        String slot = optional(n, at, "slot", base);
        if (!slot.matches("[a-z0-9_]{1,63}")) {
            problem(at + ".slot", "'" + slot + "' is not a valid replication slot name", "use lower-case letters, digits and '_', at most 63");
        }
        return new PipelineConfig.Postgres(url, user, new Secret(password), slot, optional(n, at, "publication", base));
    }

    private List<TableRef> readSourceTables(JsonNode list, String at, String source, boolean sqlite) {
        List<TableRef> out = new ArrayList<>();
        if (!list.isArray() || list.isEmpty()) {
            problem(at + ".tables", "missing or empty", sqlite ? "list the tables to capture, e.g. [experiments]" : "list schema.table names, e.g. [public.trades]");
            return out;
        }
        for (JsonNode t : list) {
            String text = scalar(t, at + ".tables");
            if (text == null) {
                continue;
            }
            String[] parts = text.split("\\.", -1);
            String schema = parts.length == 2 ? parts[0] : (sqlite ? "main" : "public");
            String table = parts[parts.length - 1];
            if (parts.length > 2 || !IDENT.matcher(schema).matches() || !IDENT.matcher(table).matches()) {
                problem(at + ".tables", "'" + text + "' is not a table name", sqlite ? "write the table name, e.g. experiments" : "write schema.table, e.g. public.trades");
            } else if (sqlite && !schema.equals("main")) {
                problem(at + ".tables", "'" + text + "': a SQLite source's schema is 'main'", "write just the table name");
            } else {
                out.add(new TableRef(source, schema, table));
            }
        }
        return out;
    }

    private List<PipelineConfig.Service> readServices(JsonNode list, List<PipelineConfig.Source> sources) {
        List<PipelineConfig.Service> out = new ArrayList<>();
        if (!list.isArray() || list.isEmpty()) {
            problem("services", "missing or empty", "list at least one service with a name, target: and the tables it owns");
            return out;
        }
        Map<String, TableRef> captured = new HashMap<>();
        sources.forEach(s -> s.tables().forEach(t -> captured.put(t.topic(), t)));
        Map<String, String> owner = new HashMap<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode n = list.get(i);
            String at = "services[" + i + "]";
            String name = required(n, at, "name", "the owning service's name, e.g. trading-engine");
            if (name != null) {
                at = "services[" + name + "]";
                if (!NAME.matcher(name).matches()) {
                    problem(at + ".name", "'" + name + "' is not a valid name", "use lower-case letters, digits, '-' and '_'");
                } else if (!names.add(name)) {
                    problem(at + ".name", "two services are named '" + name + "'", "give each service its own name");
                }
            }
            known(n, at, "name", "group", "target", "tables", "options", "park-timeout");
            String group = optional(n, at, "group", "tributary-sink-" + name);
            JsonNode t = n.path("target");
            known(t, at + ".target", "url", "user", "password");
            String url = required(t, at + ".target", "url", "jdbc:postgresql://host:5432/service_db");
            if (url != null && !url.startsWith("jdbc:postgresql://")) {
                problem(at + ".target.url", "'" + url + "' is not a PostgreSQL JDBC URL", "write jdbc:postgresql://host:5432/database");
            }
            String user = required(t, at + ".target", "user", "a role that may create tables in the target database");
            PipelineConfig.Database target = new PipelineConfig.Database(url, user, new Secret(optional(t, at + ".target", "password", "")));
            List<TableRef> tables = new ArrayList<>();
            JsonNode tl = n.path("tables");
            if (!tl.isArray() || tl.isEmpty()) {
                problem(at + ".tables", "missing or empty", "list the tables this service owns as <source>.<schema>.<table>");
            }
            for (JsonNode tn : tl) {
                String topic = scalar(tn, at + ".tables");
                TableRef ref = topic == null ? null : captured.get(topic);
                if (topic != null && ref == null) {
                    problem(at + ".tables", "unknown table '" + topic + "'",
                            "name a table listed under sources as <source>.<schema>.<table>; known: " + new java.util.TreeSet<>(captured.keySet()));
                } else if (ref != null) {
                    String previous = owner.putIfAbsent(topic, name);
                    if (previous != null && !previous.equals(name)) {
                        problem(at + ".tables", "'" + topic + "' is already owned by service '" + previous + "'", "each table has exactly one owning service");
                    } else if (tables.stream().anyMatch(x -> x.table().equals(ref.table()))) {
                        problem(at + ".tables", "two tables named '" + ref.table() + "' would share the service topic "
                                + name + "." + ref.table() + " and the target table", "a service can own only one table of each name");
                    } else {
                        tables.add(ref);
                    }
                }
            }
            Map<String, PipelineConfig.TableOptions> options = readTableOptions(n.path("options"), at + ".options", tables);
            Duration parkTimeout = duration(n, at, "park-timeout", Duration.ofMinutes(10));
            out.add(new PipelineConfig.Service(name, group, target, tables, Map.copyOf(options), parkTimeout));
        }
        return out;
    }

    private Map<String, PipelineConfig.TableOptions> readTableOptions(JsonNode n, String at, List<TableRef> tables) {
        Map<String, PipelineConfig.TableOptions> out = new HashMap<>();
        if (n.isMissingNode()) {
            return out;
        }
        TimescaleReader timescale = new TimescaleReader(this);
        Set<String> owned = new HashSet<>();
        tables.forEach(t -> owned.add(t.table()));
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String where = at + "." + e.getKey();
            if (!owned.contains(e.getKey())) {
                problem(where, "options for a table this service does not own", "use the table name of one of: " + owned);
                continue;
            }
            known(e.getValue(), where, "delete", "conflict", "timestamp-column", "timescale");
            String delete = optional(e.getValue(), where, "delete", "hard");
            String conflict = optional(e.getValue(), where, "conflict", "position");
            String tsColumn = optional(e.getValue(), where, "timestamp-column", null);
            if (!Set.of("hard", "soft").contains(delete)) {
                problem(where + ".delete", "'" + delete + "' is not a delete mode", "hard (rows are removed) or soft (rows stay, _tributary_deleted = true)");
            }
            if (!Set.of("position", "last-write-wins").contains(conflict)) {
                problem(where + ".conflict", "'" + conflict + "' is not a conflict policy", "position (default) or last-write-wins");
            } else if (conflict.equals("last-write-wins") && tsColumn == null) {
                problem(where + ".timestamp-column", "last-write-wins needs the column that orders writes", "name a timestamp column of the table");
            }
            PipelineConfig.Timescale ts = e.getValue().has("timescale") ? timescale.read(e.getValue().get("timescale"), where + ".timescale") : null;
            out.put(e.getKey(), new PipelineConfig.TableOptions("soft".equals(delete), "last-write-wins".equals(conflict) ? tsColumn : null, ts));
        }
        timescale.checkAggregateNames(at, owned);
        return out;
    }

    String interval(JsonNode parent, String at, String key, String dflt) {
        String v = optional(parent, at, key, dflt);
        if (v != null && !Intervals.valid(v)) {
            problem(at + "." + key, "'" + v + "' is not an interval", "write e.g. 5 minutes, 7 days, 1 month, 2 years");
        }
        return v;
    }

    List<String> strings(JsonNode list, String at) {
        List<String> out = new ArrayList<>();
        if (list.isMissingNode()) {
            return out;
        }
        if (!list.isArray()) {
            problem(at, "expected a list", "write [a, b]");
            return out;
        }
        list.forEach(x -> {
            String v = scalar(x, at);
            if (v != null) {
                out.add(v);
            }
        });
        return List.copyOf(out);
    }

    private Map<String, Integer> readHttp(JsonNode n) {
        Map<String, Integer> ports = new HashMap<>();
        if (n.isMissingNode()) {
            return ports;
        }
        known(n, "http", DEPLOYABLES.toArray(String[]::new));
        for (String d : DEPLOYABLES) {
            if (n.has(d)) {
                ports.put(d, integer(n, "http", d, 0, 0, 65535));
            }
        }
        return Map.copyOf(ports);
    }

    // ---- scalar helpers: each records a problem instead of throwing, so all problems surface together ----

    String required(JsonNode parent, String at, String key, String hint) {
        JsonNode raw = parent.get(key);
        if (raw == null || raw.isNull()) {
            problem(at + "." + key, "is required", hint);
            return null;
        }
        String v = scalar(raw, at + "." + key);
        boolean fromEnv = raw.isValueNode() && ENV_REF.matcher(raw.asText()).find();
        if (v != null && v.isBlank() && !fromEnv) {
            problem(at + "." + key, "is empty", hint);
        }
        return v == null || v.isBlank() ? null : v;
    }

    String optional(JsonNode parent, String at, String key, String dflt) {
        String v = parent.has(key) ? scalar(parent.get(key), at + "." + key) : null;
        return v == null ? dflt : v;
    }

    private int integer(JsonNode parent, String at, String key, int dflt, int min, int max) {
        String v = optional(parent, at, key, null);
        if (v == null) {
            return dflt;
        }
        try {
            int i = Integer.parseInt(v.trim());
            if (i < min || i > max) {
                problem(at + "." + key, i + " is out of range", "use a number from " + min + " to " + max);
            }
            return i;
        } catch (NumberFormatException e) {
            problem(at + "." + key, "'" + v + "' is not a whole number", "use a number from " + min + " to " + max);
            return dflt;
        }
    }

    private Duration duration(JsonNode parent, String at, String key, Duration dflt) {
        String v = optional(parent, at, key, null);
        if (v == null) {
            return dflt;
        }
        Matcher m = Pattern.compile("(\\d+)(ms|s|m)").matcher(v.trim());
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMinutes(amount);
            };
        }
        try {
            return Duration.parse(v.trim());
        } catch (DateTimeParseException e) {
            problem(at + "." + key, "'" + v + "' is not a duration", "write e.g. 200ms, 5s or 1m");
            return dflt;
        }
    }

    /** A scalar value with environment references replaced; null (and a problem) when it is not a scalar. */
    private String scalar(JsonNode n, String at) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isValueNode()) {
            problem(at, "expected a single value, found a " + (n.isArray() ? "list" : "mapping"), "write a plain value");
            return null;
        }
        Matcher m = ENV_REF.matcher(n.asText());
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null) {
                value = m.group(3);
            }
            if (value == null) {
                problem(at, "environment variable " + m.group(1) + " is not set",
                        "export " + m.group(1) + ", or write ${" + m.group(1) + ":-default}");
                value = "";
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    void known(JsonNode n, String at, String... keys) {
        if (n.isMissingNode() || n.isNull()) {
            return;
        }
        if (!n.isObject()) {
            problem(at.isEmpty() ? "(file)" : at, "expected a mapping of keys", "see docs/pipeline-file.md");
            return;
        }
        Set<String> allowed = Set.of(keys);
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                problem((at.isEmpty() ? "" : at + ".") + k, "unknown key", "known keys here: " + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
        }
    }

    void problem(String key, String message, String hint) {
        problems.add(new ConfigProblem(key, message, hint));
    }
}
