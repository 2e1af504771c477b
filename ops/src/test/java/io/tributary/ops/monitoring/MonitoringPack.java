package io.tributary.ops.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The monitoring pack's files (ops/monitoring) as the tests read them, and the metric selectors their PromQL
 * names. The extractor knows the PromQL this pack writes (selectors, functions, aggregations with by/on
 * lists, range brackets, Grafana variables inside label values); it is not a full PromQL parser.
 */
final class MonitoringPack {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> KEYWORDS = Set.of("by", "on", "without", "ignoring", "group_left", "group_right", "and", "or",
            "unless", "bool", "offset", "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
            "count_values", "group");
    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{([^}]*)})?(\\s*\\()?");
    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)");

    /** Prometheus' own series (not exported by a deployable) and the labels Prometheus adds to every scraped series. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up");
    private static final Set<String> TARGET_LABELS = Set.of("job", "instance");

    /** A metric named in a query and the labels its matchers (or a label_values query) use. */
    record Selector(String metric, Set<String> labels) {
    }

    private MonitoringPack() {
    }

    /** The repository's root: the first directory up from the working directory that holds ops/monitoring. */
    static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("ops/monitoring"))) {
                return p;
            }
        }
        throw new IllegalStateException("no ops/monitoring above " + Path.of("").toAbsolutePath());
    }

    static Path dashboardFile() {
        return root().resolve("ops/monitoring/grafana/tributary-dashboard.json");
    }

    static Path rulesFile() {
        return root().resolve("ops/monitoring/prometheus/tributary-alerts.yaml");
    }

    static Path rulesTestFile() {
        return root().resolve("ops/monitoring/prometheus/tributary-alerts.test.yaml");
    }

    static JsonNode dashboard() throws IOException {
        return JSON.readTree(dashboardFile().toFile());
    }

    static JsonNode rules() throws IOException {
        return YAML.readTree(rulesFile().toFile());
    }

    /** Every panel, rows' collapsed children included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    /** Every PromQL query of the dashboard: panel targets and query variables. */
    static List<String> dashboardQueries(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : panels(dashboard)) {
            p.path("targets").forEach(t -> out.add(t.path("expr").asText()));
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if ("query".equals(v.path("type").asText())) {
                out.add(v.path("query").isObject() ? v.path("query").path("query").asText() : v.path("query").asText());
            }
        }
        return out;
    }

    /** Every alert rule's expression. */
    static List<String> ruleQueries(JsonNode rules) {
        List<String> out = new ArrayList<>();
        for (JsonNode g : rules.path("groups")) {
            g.path("rules").forEach(r -> out.add(r.path("expr").asText()));
        }
        return out;
    }

    /** The metric selectors of one query (a Grafana {@code label_values(selector, label)} counts the label as used). */
    static List<Selector> selectors(String query) {
        Matcher lv = LABEL_VALUES.matcher(query.trim());
        if (lv.matches()) {
            List<Selector> inner = selectors(lv.group(1));
            Set<String> labels = new LinkedHashSet<>(inner.get(0).labels());
            labels.add(lv.group(2));
            return List.of(new Selector(inner.get(0).metric(), labels));
        }
        String s = query.replaceAll("\\[[^\\]]*]", " ") // range brackets: durations and $__rate_interval
                .replaceAll("\\b(by|on|without|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " $1 ");
        List<Selector> out = new ArrayList<>();
        Matcher m = SELECTOR.matcher(s);
        while (m.find()) {
            String name = m.group(1);
            char before = m.start() > 0 ? s.charAt(m.start() - 1) : ' ';
            if (m.group(4) != null || KEYWORDS.contains(name) || before == '$' || before == '.' || Character.isLetterOrDigit(before)) {
                continue; // a function call, an operator, a Grafana variable, or the exponent of a number (1e9)
            }
            Set<String> labels = new LinkedHashSet<>();
            if (m.group(3) != null) {
                Matcher lm = MATCHER.matcher(m.group(3));
                while (lm.find()) {
                    labels.add(lm.group(1));
                }
            }
            out.add(new Selector(name, labels));
        }
        return out;
    }

    /**
     * What the queries name that a scrape does not have: a metric not exported, or a label a matcher uses that no
     * series of the metric carries. {@code exported}: metric name to the label names of its series ({@link #series}).
     */
    static List<String> unexported(String what, List<String> queries, java.util.Map<String, Set<String>> exported) {
        List<String> problems = new ArrayList<>();
        for (String q : queries) {
            for (Selector s : selectors(q)) {
                if (PROMETHEUS_OWN.contains(s.metric())) {
                    continue;
                }
                Set<String> labels = exported.get(s.metric());
                if (labels == null) {
                    problems.add(what + ": " + s.metric() + " is not exported (query: " + q + ")");
                    continue;
                }
                for (String l : s.labels()) {
                    if (!labels.contains(l) && !TARGET_LABELS.contains(l)) {
                        problems.add(what + ": " + s.metric() + " has no label '" + l + "' (it has " + labels + "; query: " + q + ")");
                    }
                }
            }
        }
        return problems;
    }

    /** Metric name to the label names of its series, from a scrape in Prometheus text format. */
    static java.util.Map<String, Set<String>> series(String body) {
        java.util.Map<String, Set<String>> out = new java.util.TreeMap<>();
        Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");
        for (String line : body.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            boolean labelled = brace >= 0 && brace < space;
            Set<String> labels = out.computeIfAbsent(labelled ? line.substring(0, brace) : line.substring(0, space), k -> new java.util.TreeSet<>());
            if (labelled) {
                Matcher m = label.matcher(line.substring(brace, line.lastIndexOf('}')));
                while (m.find()) {
                    labels.add(m.group(1));
                }
            }
        }
        return out;
    }
}
