package io.tributary.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code options.<table>.timescale} of one service for {@link TableOptionsSection}, recording problems
 * in the {@link ConfigReader} (so they come out with all the others). Besides types and keys it checks what TimescaleDB would
 * otherwise refuse only once the sink has started: a refresh window shorter than two buckets, a
 * hierarchical aggregate whose bucket is not a multiple of the one it is built on, aggregate names used
 * twice in a service. It cannot check the column expressions: the sink reports what PostgreSQL says.
 */
final class TimescaleReader {
    private static final Pattern IDENT = Pattern.compile("[a-z_][a-z0-9_$]*");
    private static final Pattern ORDER = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*(\\s+(ASC|DESC))?(\\s+NULLS\\s+(FIRST|LAST))?",
            Pattern.CASE_INSENSITIVE);
    private final ConfigReader r;
    /** Aggregate names of the service so far, with where each was declared. */
    private final Map<String, String> aggregates = new HashMap<>();

    TimescaleReader(ConfigReader r) {
        this.r = r;
    }

    PipelineConfig.Timescale read(JsonNode n, String at) {
        r.known(n, at, "time-column", "chunk-interval", "optional", "compression", "retention", "aggregates");
        String time = r.required(n, at, "time-column", "the column hypertable chunks are partitioned by, e.g. time");
        String chunk = r.interval(n, at, "chunk-interval", "7 days");
        boolean optional = r.bool(n, at, "optional", false);
        JsonNode comp = n.path("compression");
        r.known(comp, at + ".compression", "segment-by", "order-by", "after", "every");
        List<String> segmentBy = r.strings(comp.path("segment-by"), at + ".compression.segment-by");
        List<String> orderBy = r.strings(comp.path("order-by"), at + ".compression.order-by");
        for (String o : orderBy) {
            if (!ORDER.matcher(o.trim()).matches()) {
                r.problem(at + ".compression.order-by", "'" + o + "' is not a column with an optional direction", "write e.g. [time DESC]");
            }
        }
        String after = comp.isMissingNode() ? null : r.interval(comp, at + ".compression", "after", "7 days");
        String every = r.interval(comp, at + ".compression", "every", null);
        String retention = n.has("retention") ? r.interval(n, at, "retention", null) : null;
        Map<String, PipelineConfig.Aggregate> declared = new LinkedHashMap<>();
        JsonNode list = n.path("aggregates");
        if (!list.isMissingNode() && !list.isArray()) {
            r.problem(at + ".aggregates", "expected a list", "write one entry per aggregate: - name: ...");
        }
        for (int i = 0; i < list.size() && list.isArray(); i++) {
            PipelineConfig.Aggregate a = aggregate(list.get(i), at + ".aggregates[" + i + "]", declared);
            if (a.name() != null) {
                declared.put(a.name(), a);
            }
        }
        return new PipelineConfig.Timescale(time, chunk, optional, segmentBy, orderBy, after, every, retention, List.copyOf(declared.values()));
    }

    private PipelineConfig.Aggregate aggregate(JsonNode a, String at, Map<String, PipelineConfig.Aggregate> earlier) {
        r.known(a, at, "name", "bucket", "bucket-column", "on", "group-by", "columns", "real-time", "refresh");
        JsonNode refresh = a.path("refresh");
        r.known(refresh, at + ".refresh", "start-offset", "end-offset", "every");
        String name = identifier(a, at, "name", null, "the view's name, e.g. experiment_metrics_5m");
        if (name != null && aggregates.putIfAbsent(name, at) != null) {
            r.problem(at + ".name", "aggregate '" + name + "' is declared twice in this service (first at " + aggregates.get(name) + ")",
                    "give each aggregate its own name");
        }
        List<String> columns = r.strings(a.path("columns"), at + ".columns");
        if (columns.isEmpty()) {
            r.problem(at + ".columns", "missing or empty", "list aggregate expressions, e.g. [\"avg(metric_value) AS avg_value\"]");
        }
        String bucket = r.interval(a, at, "bucket", "1 hour");
        String bucketColumn = identifier(a, at, "bucket-column", "bucket", "the name queries use for the bucket, e.g. date");
        List<String> groupBy = r.strings(a.path("group-by"), at + ".group-by");
        if (bucketColumn != null && groupBy.contains(bucketColumn)) {
            r.problem(at + ".bucket-column", "'" + bucketColumn + "' is also a group-by column", "name the bucket column differently");
        }
        String on = r.optional(a, at, "on", null);
        if (on != null) {
            checkParent(at, on, bucket, groupBy, earlier);
        }
        // by default the policy looks back a day, or three buckets where those are longer
        String start = r.interval(refresh, at + ".refresh", "start-offset", Intervals.valid(bucket) && 3 * Intervals.micros(bucket) > Intervals.micros("1 day")
                ? Intervals.times(bucket, 3) : "1 day");
        String end = r.interval(refresh, at + ".refresh", "end-offset", "1 minute");
        if (Intervals.valid(bucket) && Intervals.valid(start) && Intervals.valid(end)
                && Intervals.micros(start) - Intervals.micros(end) < 2 * Intervals.micros(bucket)) {
            r.problem(at + ".refresh", "the refresh window (start-offset " + start + " to end-offset " + end + ") covers less than two "
                    + bucket + " buckets, which TimescaleDB refuses", "make start-offset at least end-offset plus two buckets");
        }
        return new PipelineConfig.Aggregate(name, bucket, bucketColumn, on, groupBy, columns, r.bool(a, at, "real-time", false), start, end,
                r.interval(refresh, at + ".refresh", "every", "5 minutes"));
    }

    /** A hierarchical aggregate: built on an aggregate declared before it, with a bucket TimescaleDB accepts on top of it. */
    private void checkParent(String at, String on, String bucket, List<String> groupBy, Map<String, PipelineConfig.Aggregate> earlier) {
        PipelineConfig.Aggregate parent = earlier.get(on);
        if (parent == null) {
            r.problem(at + ".on", "'" + on + "' is not an aggregate declared before this one for the same table",
                    "name one of " + earlier.keySet() + " (declare the finer aggregate first)");
            return;
        }
        for (String g : groupBy) {
            if (!parent.groupBy().contains(g)) {
                r.problem(at + ".group-by", "'" + g + "' is not a group-by column of '" + on + "'", "group by a subset of " + parent.groupBy());
            }
        }
        if (!Intervals.valid(bucket) || !Intervals.valid(parent.bucket())) {
            return;
        }
        long width = Intervals.micros(bucket);
        long parentWidth = Intervals.micros(parent.bucket());
        if (Intervals.variable(parent.bucket()) && !Intervals.variable(bucket)) {
            r.problem(at + ".bucket", "a fixed bucket (" + bucket + ") cannot be built on the calendar bucket of '" + on + "' ("
                    + parent.bucket() + ")", "use a bucket in months or years, or build it on the hypertable");
        } else if (width < parentWidth || width % parentWidth != 0) {
            r.problem(at + ".bucket", bucket + " is not a multiple of the bucket of '" + on + "' (" + parent.bucket() + ")",
                    "use a bucket that is a whole multiple of " + parent.bucket());
        }
    }

    /** An aggregate name must not be a table of the service as well: both live in the target's schema. */
    void checkAggregateNames(Set<String> tables) {
        aggregates.forEach((name, where) -> {
            if (tables.contains(name)) {
                r.problem(where + ".name", "'" + name + "' is also a table of this service", "give the aggregate another name");
            }
        });
    }

    private String identifier(JsonNode n, String at, String key, String dflt, String hint) {
        String v = dflt == null ? r.required(n, at, key, hint) : r.optional(n, at, key, dflt);
        if (v != null && !IDENT.matcher(v).matches()) {
            r.problem(at + "." + key, "'" + v + "' is not a plain lower-case SQL name", hint);
        }
        return v;
    }
}
