package io.tributary.ops.local.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The requests the local Kafka broker handled, by API, read from the broker's own request meters
 * ({@code kafka.network:type=RequestMetrics,name=RequestsPerSec,request=<API>,version=<v>}) in this JVM's
 * platform MBean server: the broker of {@code bench pipeline} runs in the bench's JVM. What a run's broker CPU
 * goes to is mostly per request (a produce, a fetch, a transaction's steps), so the counts per row say which
 * client's cadence to change; docs/performance.md reads them.
 */
final class BrokerRequests {
    private static final String PATTERN = "kafka.network:type=RequestMetrics,name=RequestsPerSec,*";
    private final MBeanServer server;
    private Map<String, Long> start = Map.of();
    private long startNanos;

    BrokerRequests(MBeanServer server) {
        this.server = server;
    }

    BrokerRequests() {
        this(ManagementFactory.getPlatformMBeanServer());
    }

    /** The broker's request counts so far, by API (all versions summed); empty where no broker runs in this JVM. */
    Map<String, Long> counts() {
        Map<String, Long> counts = new TreeMap<>();
        try {
            for (ObjectName name : server.queryNames(new ObjectName(PATTERN), null)) {
                String api = name.getKeyProperty("request");
                if (api != null) {
                    counts.merge(api, ((Number) server.getAttribute(name, "Count")).longValue(), Long::sum);
                }
            }
        } catch (JMException e) {
            throw new IllegalStateException("cannot read the broker's request meters: " + e.getMessage(), e);
        }
        return counts;
    }

    BrokerRequests start() {
        start = counts();
        startNanos = System.nanoTime();
        return this;
    }

    /** The requests since {@link #start} ({@code what} says until when), by API, most first, per second and per unit. */
    void print(PrintStream out, String what, long units, String unit) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Long> since = new TreeMap<>();
        counts().forEach((api, n) -> {
            long d = n - start.getOrDefault(api, 0L);
            if (d > 0) {
                since.put(api, d);
            }
        });
        if (since.isEmpty()) {
            out.println("  broker requests: no request meters in this JVM (the broker runs elsewhere)");
            return;
        }
        long total = since.values().stream().mapToLong(Long::longValue).sum();
        out.printf("%n  broker requests %s (%.0f s): %,d (%,.0f/s, %.3f per %s)%n", what, seconds, total, total / seconds, (double) total / units, unit);
        since.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.printf("    %-28s %,10d %,8.0f/s %8.3f per %s%n", e.getKey(), e.getValue(), e.getValue() / seconds,
                        (double) e.getValue() / units, unit));
    }
}
