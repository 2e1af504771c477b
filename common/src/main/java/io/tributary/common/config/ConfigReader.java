package io.tributary.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads values out of the pipeline file's YAML tree and collects what is wrong with them. Every helper
 * records a {@link ConfigProblem} (key = the YAML path, e.g. {@code sources[monolith].postgres.url}) instead
 * of throwing, and returns null or the default, so that reading goes on and all problems surface together.
 * Scalars have {@code ${NAME}} and {@code ${NAME:-default}} replaced from the environment given, and
 * {@code ${file:/path}} by a file's content (secrets mounted as files).
 *
 * <p>Not thread-safe: one instance per reading of one file.
 */
final class ConfigReader {
    /** Source and service names: lower-case, as they become parts of topic names. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]*");
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");
    /** {@code ${file:/path}}: the file's content, trailing line break removed (a mounted secret). */
    private static final Pattern FILE_REF = Pattern.compile("\\$\\{file:([^}]+)}");
    private static final Pattern INTERVAL = Pattern.compile(
            "\\d+\\s*(microsecond|millisecond|second|minute|hour|day|week|month|year)s?", Pattern.CASE_INSENSITIVE);

    private final Map<String, String> env;
    private final List<ConfigProblem> problems = new ArrayList<>();

    ConfigReader(Map<String, String> env) {
        this.env = env;
    }

    /** Every problem recorded so far, in the order found. */
    List<ConfigProblem> problems() {
        return problems;
    }

    void problem(String key, String message, String hint) {
        problems.add(new ConfigProblem(key, message, hint));
    }

    /**
     * The value at {@code key}, or null and one problem when it is missing or empty: written empty, or from a
     * variable set to nothing. An unset variable is reported by {@link #scalar} already, not twice.
     */
    String required(JsonNode parent, String at, String key, String hint) {
        JsonNode raw = parent.get(key);
        if (raw == null || raw.isNull()) {
            problem(at + "." + key, "is required", hint);
            return null;
        }
        int before = problems.size();
        String v = scalar(raw, at + "." + key);
        if (v != null && v.isBlank() && problems.size() == before) {
            problem(at + "." + key, "is empty", hint);
        }
        return v == null || v.isBlank() ? null : v;
    }

    String optional(JsonNode parent, String at, String key, String dflt) {
        String v = parent.has(key) ? scalar(parent.get(key), at + "." + key) : null;
        return v == null ? dflt : v;
    }

    /** {@code true} or {@code false}; the default when absent or neither (a problem). */
    boolean bool(JsonNode parent, String at, String key, boolean dflt) {
        String v = optional(parent, at, key, null);
        if (v == null) {
            return dflt;
        }
        String t = v.trim().toLowerCase(java.util.Locale.ROOT);
        if (!List.of("true", "false").contains(t)) {
            problem(at + "." + key, "'" + v + "' is not true or false", "write true or false");
            return dflt;
        }
        return Boolean.parseBoolean(t);
    }

    /** A whole number from {@code min} to {@code max}; the default when absent or not a number. */
    int integer(JsonNode parent, String at, String key, int dflt, int min, int max) {
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

    /** {@code 200ms}, {@code 5s}, {@code 1m} or ISO-8601 ({@code PT5S}); the default when absent or unreadable. */
    Duration duration(JsonNode parent, String at, String key, Duration dflt) {
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

    /** PostgreSQL interval text ({@code 7 days}), kept as written; a wrong one is a problem but still returned. */
    String interval(JsonNode parent, String at, String key, String dflt) {
        String v = optional(parent, at, key, dflt);
        if (v != null && !INTERVAL.matcher(v.trim()).matches()) {
            problem(at + "." + key, "'" + v + "' is not an interval", "write e.g. 5 minutes, 7 days, 1 month, 2 years");
        }
        return v;
    }

    /** A list of scalars; empty when absent. */
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

    /** A scalar value with environment references replaced; null (and a problem) when it is not a scalar. */
    String scalar(JsonNode n, String at) {
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
        return fromFiles(sb.toString(), at); // after the variables: a secret's own text is never expanded
    }

    /**
     * {@code ${file:/path}} replaced by the file's content (e.g. a Kubernetes or Docker secret), its trailing
     * line break removed. The content is never printed: a problem names the file and why it cannot be read.
     */
    private String fromFiles(String text, String at) {
        Matcher m = FILE_REF.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            java.nio.file.Path file = java.nio.file.Path.of(m.group(1).trim());
            String value = "";
            try {
                value = java.nio.file.Files.readString(file).replaceFirst("\\r?\\n$", "");
            } catch (java.io.IOException | RuntimeException e) {
                problem(at, "cannot read the secret file " + file + " (" + e.getClass().getSimpleName() + ")",
                        "make the file readable by this process, or give the value another way");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** A problem for each key of the mapping {@code n} not in {@code keys}: a typo must not silently become a default. */
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
                problem((at.isEmpty() ? "" : at + ".") + k, "unknown key", "known keys here: " + String.join(", ", new TreeSet<>(allowed)));
            }
        }
    }
}
