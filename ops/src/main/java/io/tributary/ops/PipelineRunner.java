package io.tributary.ops;

import io.tributary.capture.postgres.PostgresCaptureApp;
import io.tributary.capture.sqlite.SqliteCaptureApp;
import io.tributary.sink.SinkApp;
import io.tributary.transform.TransformApp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the four deployables of a pipeline file side by side in this JVM, each exactly as its own
 * {@code main} would (same config checks, endpoints and shutdown), for the demo and the end-to-end test.
 */
public final class PipelineRunner implements AutoCloseable {
    private interface Entry {
        int run(String[] args, CountDownLatch stop);
    }

    private static final Map<String, Entry> DEPLOYABLES = new LinkedHashMap<>();

    static {
        DEPLOYABLES.put("capture-postgres", PostgresCaptureApp::run);
        DEPLOYABLES.put("capture-sqlite", SqliteCaptureApp::run);
        DEPLOYABLES.put("transform", TransformApp::run);
        DEPLOYABLES.put("sink", SinkApp::run);
    }

    private final CountDownLatch stop = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, AtomicInteger> exitCodes = new LinkedHashMap<>();

    public PipelineRunner(Path pipelineFile) {
        String[] args = {"--config", pipelineFile.toString()};
        DEPLOYABLES.forEach((name, entry) -> {
            AtomicInteger code = new AtomicInteger(-1);
            exitCodes.put(name, code);
            Thread t = new Thread(() -> code.set(entry.run(args, stop)), "deployable-" + name);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        });
    }

    /** Exit codes of the deployables that have ended (-1 while running). A code other than 0 is a failure. */
    public Map<String, Integer> exitCodes() {
        Map<String, Integer> m = new LinkedHashMap<>();
        exitCodes.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    /** The first deployable that ended with a non-zero code, or null. */
    public String failed() {
        return exitCodes.entrySet().stream().filter(e -> e.getValue().get() > 0).map(Map.Entry::getKey).findFirst().orElse(null);
    }

    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        for (Thread t : threads) {
            t.join(60_000);
        }
    }
}
