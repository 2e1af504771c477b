package io.tributary.common.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * A deployable's own {@code GET /status}: whether it is alive and ready, how long it has run, and per table
 * what its meters say (events or rows by outcome, the newest lag it measured). What the deployable cannot
 * see about itself (that it is hung, how far behind it is in Kafka) is {@code tributary status}'s job.
 */
final class DeployableStatus {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String name;
    private final Deployable deployable;
    private final MeterRegistry metrics;
    private final long startedMs = System.currentTimeMillis();
    private volatile boolean standby;

    DeployableStatus(String name, Deployable deployable, MeterRegistry metrics) {
        this.name = name;
        this.deployable = deployable;
        this.metrics = metrics;
        io.micrometer.core.instrument.Gauge.builder("tributary.standby", this, st -> st.standby ? 1 : 0)
                .description("1 while this instance waits as a standby for another instance's lease").strongReference(true).register(metrics);
    }

    /** Whether the deployable waits as a standby (see {@link io.tributary.common.lease.Lease}). */
    void standby(boolean standby) {
        this.standby = standby;
    }

    String json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("deployable", name);
        root.put("alive", deployable.alive());
        root.put("ready", deployable.ready());
        root.put("standby", standby);
        root.put("uptime_seconds", (System.currentTimeMillis() - startedMs) / 1000);
        ObjectNode tables = root.putObject("tables");
        for (Meter m : metrics.getMeters()) {
            String table = m.getId().getTag("table");
            String metric = m.getId().getName();
            if (table == null || !metric.startsWith("tributary.")) {
                continue;
            }
            ObjectNode t = tables.has(table) ? (ObjectNode) tables.get(table) : tables.putObject(table);
            String key = metric.substring("tributary.".length()) + suffix(m);
            if (m instanceof Counter c) {
                t.put(key, t.path(key).asDouble(0) + c.count());
            } else if (m instanceof Timer tm) {
                t.put(key + ".max_seconds", Math.max(t.path(key + ".max_seconds").asDouble(0), tm.max(TimeUnit.MILLISECONDS) / 1000.0));
            }
        }
        return root.toString();
    }

    /** The tag that tells meters of one table apart: op or outcome, or stage for lag timers. */
    private static String suffix(Meter m) {
        for (String tag : new String[] {"op", "outcome", "stage"}) {
            String v = m.getId().getTag(tag);
            if (v != null) {
                return "." + v;
            }
        }
        return "";
    }
}
