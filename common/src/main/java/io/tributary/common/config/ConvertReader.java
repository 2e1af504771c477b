package io.tributary.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code options.<table>.convert: {<column>: {time-zone, round, epoch}}} for {@link TableOptionsSection}:
 * the declared conversions into an existing target's column types (see docs/sink.md), recording problems.
 */
final class ConvertReader {
    private final ConfigReader r;

    ConvertReader(ConfigReader r) {
        this.r = r;
    }

    Map<String, PipelineConfig.Convert> read(JsonNode n, String where) {
        Map<String, PipelineConfig.Convert> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = where + "." + e.getKey();
            r.known(e.getValue(), at, "time-zone", "round", "epoch");
            String zone = r.optional(e.getValue(), at, "time-zone", null);
            String round = r.optional(e.getValue(), at, "round", null);
            String epoch = r.optional(e.getValue(), at, "epoch", null);
            if (zone != null) {
                try {
                    java.time.ZoneId.of(zone);
                } catch (java.time.DateTimeException ex) {
                    r.problem(at + ".time-zone", "'" + zone + "' is not a time zone", "an IANA name such as Europe/Berlin, or UTC");
                }
            }
            if (round != null && !Set.of("half-even", "half-up").contains(round)) {
                r.problem(at + ".round", "'" + round + "' is not a rounding", "half-even or half-up");
            }
            if (epoch != null && !Set.of("seconds", "milliseconds", "microseconds").contains(epoch)) {
                r.problem(at + ".epoch", "'" + epoch + "' is not an epoch unit", "seconds, milliseconds or microseconds");
            }
            out.put(e.getKey(), new PipelineConfig.Convert(zone, round, epoch));
        }
        return out;
    }
}
