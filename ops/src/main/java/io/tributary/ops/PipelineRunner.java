package io.tributary.ops;

import io.tributary.capture.postgres.PostgresCaptureApp;
import io.tributary.capture.sqlite.SqliteCaptureApp;
import io.tributary.sink.SinkApp;
import io.tributary.transform.TransformApp;
import io.tributary.common.config.PipelineConfig;
import io.tributary.ops.reconcile.Reconciler;
import io.tributary.ops.reconcile.TableReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the four deployables of a pipeline file side by side in this JVM, each exactly as its own
 * {@code main} would (same config checks, endpoints and shutdown), for the demo and the end-to-end tests.
 * One deployable can be stopped and started again, as an operator would restart a process.
 */
public final class PipelineRunner implements AutoCloseable {
    private interface Entry {
        int run(String[] args, CountDownLatch stop);
    }

    private record Running(CountDownLatch stop, Thread thread, AtomicInteger code) {
    }

    private static final Map<String, Entry> DEPLOYABLES = new LinkedHashMap<>();

    static {
        DEPLOYABLES.put("capture-postgres", PostgresCaptureApp::run);
        DEPLOYABLES.put("capture-sqlite", SqliteCaptureApp::run);
        DEPLOYABLES.put("transform", TransformApp::run);
        DEPLOYABLES.put("sink", SinkApp::run);
    }

    private final String[] args;
    private final Map<String, Running> running = new LinkedHashMap<>();

    /** Starts the deployables the file has work for (a capture only for its kind of source). */
    public PipelineRunner(Path pipelineFile) throws io.tributary.common.config.ConfigException {
        this(pipelineFile, java.util.Set.of());
    }

    /** Starts the deployables the file has work for but those named in {@code elsewhere} (a test runs them as processes of their own). */
    public PipelineRunner(Path pipelineFile, java.util.Set<String> elsewhere) throws io.tributary.common.config.ConfigException {
        this.args = new String[] {"--config", pipelineFile.toString()};
        var config = io.tributary.common.config.PipelineConfigLoader.load(pipelineFile);
        boolean sqlite = config.sources().stream().anyMatch(io.tributary.common.config.PipelineConfig.Source::isSqlite);
        boolean postgres = config.sources().stream().anyMatch(src -> !src.isSqlite());
        DEPLOYABLES.keySet().stream()
                .filter(name -> !name.equals("capture-sqlite") || sqlite)
                .filter(name -> !name.equals("capture-postgres") || postgres)
                .filter(name -> !elsewhere.contains(name))
                .forEach(this::start);
    }

    /** Starts {@code name} (again). */
    public synchronized void start(String name) {
        CountDownLatch stop = new CountDownLatch(1);
        AtomicInteger code = new AtomicInteger(-1);
        Thread t = new Thread(() -> code.set(DEPLOYABLES.get(name).run(args, stop)), "deployable-" + name);
        t.setDaemon(true);
        running.put(name, new Running(stop, t, code));
        t.start();
    }

    /** Stops {@code name} as SIGTERM would, and waits for it. */
    public synchronized void stop(String name) throws InterruptedException {
        Running r = running.get(name);
        r.stop.countDown();
        r.thread.join(60_000);
    }

    /** Exit codes of the deployables that have ended (-1 while running). A code other than 0 is a failure. */
    public synchronized Map<String, Integer> exitCodes() {
        Map<String, Integer> m = new LinkedHashMap<>();
        running.forEach((k, v) -> m.put(k, v.code.get()));
        return m;
    }

    /** The first deployable that ended with a non-zero code, or null. */
    public synchronized String failed() {
        return running.entrySet().stream().filter(e -> e.getValue().code.get() > 0).map(Map.Entry::getKey).findFirst().orElse(null);
    }

    /**
     * Waits until every owned table matches its source (every row, exactly), re-reconciling every 300 ms, for at
     * most {@code timeout}; returns the last reports (check {@code matches()}). Throws as soon as a deployable
     * has stopped with an error.
     */
    public List<TableReport> awaitMatch(PipelineConfig config, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TableReport> last;
        while (true) {
            String failed = failed();
            if (failed != null) {
                throw new IllegalStateException("deployable " + failed + " stopped with exit code " + exitCodes().get(failed) + "; see its log");
            }
            last = Reconciler.reconcile(config);
            if (last.stream().allMatch(TableReport::matches) || System.nanoTime() > deadline) {
                return last;
            }
            Thread.sleep(300);
        }
    }

    @Override
    public synchronized void close() throws InterruptedException {
        for (String name : running.keySet()) {
            running.get(name).stop.countDown();
        }
        for (Running r : running.values()) {
            r.thread.join(60_000);
        }
    }
}
