package io.tributary.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigReaderTest {
    private final ConfigReader r = new ConfigReader(Map.of("HOST", "db", "EMPTY", ""));

    static JsonNode yaml(String text) {
        try {
            return new YAMLMapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private List<String> problems() {
        return r.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void scalarsHaveEnvironmentReferencesReplaced() {
        JsonNode n = yaml("a: \"${HOST}:${PORT:-5432}\"\nb: \"${NOPE}/x\"");
        assertEquals("db:5432", r.scalar(n.get("a"), "x.a"));
        assertEquals("/x", r.scalar(n.get("b"), "x.b"), "an unset variable counts as empty, and is a problem");
        assertEquals(List.of("x.b: environment variable NOPE is not set (hint: export NOPE, or write ${NOPE:-default})"), problems());
    }

    @Test
    void aListOrMappingWhereAValueBelongsIsAProblem() {
        JsonNode n = yaml("a: [1]\nb: { c: 1 }\nc: ~");
        assertNull(r.scalar(n.get("a"), "x.a"));
        assertNull(r.scalar(n.get("b"), "x.b"));
        assertNull(r.scalar(n.get("c"), "x.c"), "null is no value, not a problem");
        assertEquals(List.of("x.a: expected a single value, found a list (hint: write a plain value)",
                "x.b: expected a single value, found a mapping (hint: write a plain value)"), problems());
    }

    @Test
    void requiredValuesMustBeThereAndNotEmpty() {
        JsonNode n = yaml("empty: \"\"\nnull: ~\nok: v");
        assertNull(r.required(n, "x", "missing", "h1"));
        assertNull(r.required(n, "x", "null", "h2"));
        assertNull(r.required(n, "x", "empty", "h3"));
        assertEquals("v", r.required(n, "x", "ok", "h4"));
        assertEquals(List.of("x.missing: is required (hint: h1)", "x.null: is required (hint: h2)", "x.empty: is empty (hint: h3)"), problems());
    }

    @Test
    void aRequiredValueFromAVariableIsEmptyWhenTheVariableIsSetToNothingAndReportedOnceWhenUnset() {
        JsonNode n = yaml("set: \"${EMPTY}\"\nunset: \"${NOPE}\"\nfallback: \"${NOPE:-}\"");
        assertNull(r.required(n, "x", "set", "h1"));
        assertNull(r.required(n, "x", "unset", "h2"));
        assertNull(r.required(n, "x", "fallback", "h3"));
        assertEquals(List.of("x.set: is empty (hint: h1)",
                "x.unset: environment variable NOPE is not set (hint: export NOPE, or write ${NOPE:-default})",
                "x.fallback: is empty (hint: h3)"), problems());
    }

    @Test
    void optionalValuesFallBackToTheirDefault() {
        JsonNode n = yaml("a: v\nb: ~");
        assertEquals("v", r.optional(n, "x", "a", "d"));
        assertEquals("d", r.optional(n, "x", "b", "d"));
        assertEquals("d", r.optional(n, "x", "c", "d"));
        assertEquals(List.of(), problems());
    }

    @Test
    void integersAreCheckedAgainstTheirRange() {
        JsonNode n = yaml("ok: \" 7 \"\nbig: 17\nword: many");
        assertEquals(7, r.integer(n, "x", "ok", 1, 1, 16));
        assertEquals(17, r.integer(n, "x", "big", 1, 1, 16), "out of range is a problem, the value is kept");
        assertEquals(1, r.integer(n, "x", "word", 1, 1, 16));
        assertEquals(3, r.integer(n, "x", "absent", 3, 1, 16));
        assertEquals(List.of("x.big: 17 is out of range (hint: use a number from 1 to 16)",
                "x.word: 'many' is not a whole number (hint: use a number from 1 to 16)"), problems());
    }

    @Test
    void durationsInShortOrIsoForm() {
        JsonNode n = yaml("ms: 200ms\ns: 5s\nm: 2m\niso: PT1H\nbad: soon\nhours: 1h");
        Duration dflt = Duration.ofSeconds(9);
        assertEquals(Duration.ofMillis(200), r.duration(n, "x", "ms", dflt));
        assertEquals(Duration.ofSeconds(5), r.duration(n, "x", "s", dflt));
        assertEquals(Duration.ofMinutes(2), r.duration(n, "x", "m", dflt));
        assertEquals(Duration.ofHours(1), r.duration(n, "x", "iso", dflt));
        assertEquals(dflt, r.duration(n, "x", "absent", dflt));
        assertEquals(dflt, r.duration(n, "x", "bad", dflt));
        assertEquals(dflt, r.duration(n, "x", "hours", dflt));
        assertEquals(List.of("x.bad: 'soon' is not a duration (hint: write e.g. 200ms, 5s or 1m)",
                "x.hours: '1h' is not a duration (hint: write e.g. 200ms, 5s or 1m)"), problems());
    }

    @Test
    void intervalsAreCheckedForTheirFormAndKeptAsWritten() {
        JsonNode n = yaml("a: 7 days\nb: 1 Month\nc: 90days\nbad: a while");
        assertEquals("7 days", r.interval(n, "x", "a", null));
        assertEquals("1 Month", r.interval(n, "x", "b", null));
        assertEquals("90days", r.interval(n, "x", "c", null));
        assertEquals("1 hour", r.interval(n, "x", "absent", "1 hour"));
        assertEquals("a while", r.interval(n, "x", "bad", null));
        assertEquals(List.of("x.bad: 'a while' is not an interval (hint: write e.g. 5 minutes, 7 days, 1 month, 2 years)"), problems());
    }

    @Test
    void listsOfValues() {
        JsonNode n = yaml("a: [x, \"${HOST}\"]\nb: x");
        assertEquals(List.of("x", "db"), r.strings(n.path("a"), "x.a"));
        assertEquals(List.of(), r.strings(n.path("absent"), "x.absent"));
        assertEquals(List.of(), r.strings(n.path("b"), "x.b"));
        assertEquals(List.of("x.b: expected a list (hint: write [a, b])"), problems());
    }

    @Test
    void unknownKeysAreProblemsNamingTheKnownOnes() {
        r.known(yaml("url: u\ncolour: blue"), "registry", "url", "compatibility");
        r.known(yaml("kafka: {}\nextra: 1"), "", "kafka");
        r.known(yaml("[1, 2]"), "registry", "url");
        r.known(yaml("[1, 2]"), "", "kafka");
        assertEquals(List.of("registry.colour: unknown key (hint: known keys here: compatibility, url)",
                "extra: unknown key (hint: known keys here: kafka)",
                "registry: expected a mapping of keys (hint: see docs/pipeline-file.md)",
                "(file): expected a mapping of keys (hint: see docs/pipeline-file.md)"), problems());
    }
}
