package io.tributary.ops.cutover;

import io.tributary.common.config.PipelineConfig;
import io.tributary.ops.status.TopicProbe;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.transform.TransformApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.TopicPartition;

/**
 * Waits until a service's sink has applied everything its sources had committed when the wait began, one
 * stage after the other: each source's capture passes the source position read at the start
 * ({@link SourceFence}); then the transform's consumer group has consumed the per-table topics up to the end
 * offsets read once the captures had passed; then the sink's group has consumed the service topics up to the
 * end offsets read once the transform had passed. Bounded: past the timeout it returns what it was still
 * waiting for, never hangs.
 */
final class Fence {
    private static final Duration POLL = Duration.ofMillis(250);

    /**
     * What the wait found.
     *
     * @param passed     every stage passed within the timeout
     * @param waitingFor what was not passed, or null
     * @param sources    each source's fence, as an operator reads it
     * @param seconds    how long the wait took
     */
    record Outcome(boolean passed, String waitingFor, List<String> sources, double seconds) {
    }

    private Fence() {
    }

    static Outcome await(PipelineConfig config, PipelineConfig.Service svc, Duration timeout, TopicProbe kafka,
                         SchemaRegistryClient registry) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        Set<String> names = new LinkedHashSet<>();
        svc.tables().forEach(t -> names.add(t.source()));
        List<SourceFence> fences = new ArrayList<>();
        try {
            for (String name : names) {
                fences.add(SourceFence.read(config, config.source(name).orElseThrow(), registry));
            }
            for (SourceFence f : fences) {
                if (!waitFor(f::passed, deadline)) {
                    return outcome(false, "the capture of " + f.describe(), fences, t0);
                }
            }
            Map<TopicPartition, Long> perTable = ends(kafka, svc.tables().stream().map(Topics::perTable).toList());
            String transform = TransformApp.group(svc.name());
            if (!waitFor(() -> kafka.consumed(transform, perTable), deadline)) {
                return outcome(false, "the transform (group " + transform + ") to consume the per-table topics to " + perTable, fences, t0);
            }
            Map<TopicPartition, Long> perService = ends(kafka, svc.tables().stream().map(svc::topic).toList());
            if (!waitFor(() -> kafka.consumed(svc.group(), perService), deadline)) {
                return outcome(false, "the sink (group " + svc.group() + ") to consume the service topics to " + perService, fences, t0);
            }
            return outcome(true, null, fences, t0);
        } finally {
            for (SourceFence f : fences) {
                f.close();
            }
        }
    }

    private static Outcome outcome(boolean passed, String waitingFor, List<SourceFence> fences, long t0) {
        return new Outcome(passed, waitingFor, fences.stream().map(SourceFence::describe).toList(), (System.nanoTime() - t0) / 1e9);
    }

    /** The end offsets of the partitions of {@code topics} now. */
    private static Map<TopicPartition, Long> ends(TopicProbe kafka, List<String> topics) {
        Map<TopicPartition, Long> out = new HashMap<>();
        for (String topic : topics) {
            out.putAll(kafka.ends(kafka.partitions(topic)));
        }
        return out;
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    /** Polls {@code check} until it holds (true) or the deadline passes (false). */
    private static boolean waitFor(Check check, long deadline) throws Exception {
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(POLL.toNanos());
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting for the cutover fence");
            }
        }
        return true;
    }
}
