package io.tributary.common.app;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.common.config.ConfigException;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.PipelineConfigLoader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of every deployable: parse arguments, load and validate the pipeline file, check the servers it
 * needs, serve metrics and health, start, and close cleanly on SIGTERM. Exit codes: 0 after a clean stop,
 * 1 after a fatal runtime error, 2 for a bad command line, config or unreachable server (all problems
 * printed together, no stack trace).
 */
public final class AppRunner {
    private static final Logger log = LoggerFactory.getLogger(AppRunner.class);

    /** Builds a deployable from the validated config; it may add start-up checks to {@code preflight}. */
    public interface Factory {
        Deployable create(PipelineConfig config, Map<String, String> options, PrometheusMeterRegistry metrics,
                          Preflight preflight) throws ConfigException;
    }

    private AppRunner() {
    }

    /** The file's problems plus, for the servers it does name correctly, whether they answer. */
    private static List<io.tributary.common.config.ConfigProblem> withReachability(PipelineConfigLoader.Partial loaded) {
        List<io.tributary.common.config.ConfigProblem> all = new java.util.ArrayList<>(loaded.problems());
        PipelineConfig c = loaded.config();
        List<Preflight.Check> checks = new java.util.ArrayList<>();
        if (c != null && c.kafka() != null && c.kafka().bootstrap() != null) {
            checks.add(new Preflight.Check("kafka", p -> p.kafka(c.kafka().bootstrap(), c.kafka().properties())));
        }
        if (c != null && c.registry() != null && c.registry().url() != null && c.registry().url().startsWith("http")) {
            checks.add(new Preflight.Check("registry", p -> p.registry(c.registry())));
        }
        Preflight preflight = new Preflight();
        preflight.concurrently(checks);
        all.addAll(preflight.problems());
        return all;
    }

    /**
     * Memory, GC pauses, threads, classes, CPU and uptime: what the monitoring pack's JVM row shows. The returned
     * GC binder listens to the JVM's GC notifications until closed.
     */
    private static AutoCloseable bindJvmMetrics(PrometheusMeterRegistry metrics) {
        new JvmMemoryMetrics().bindTo(metrics);
        io.micrometer.core.instrument.binder.jvm.JvmGcMetrics gc = new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics();
        gc.bindTo(metrics);
        new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(metrics);
        new io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics().bindTo(metrics);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(metrics);
        new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(metrics);
        return gc;
    }

    /** Runs until {@code stop} is counted down, SIGTERM, or a fatal error; returns the exit code. */
    public static int run(String name, String[] args, List<String> optionNames, Factory factory, CountDownLatch stop) {
        long jvmMillis = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        Map<String, String> options = options(name, args, optionNames);
        if (options == null) {
            return 2;
        }
        long t0 = System.nanoTime();
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics.config().commonTags("deployable", name);
        PipelineConfigLoader.Partial loaded = PipelineConfigLoader.readPartial(Path.of(options.get("config")), System.getenv());
        if (!loaded.problems().isEmpty()) {
            System.err.println(new ConfigException("pipeline file " + options.get("config"), withReachability(loaded)).getMessage());
            return 2;
        }
        PipelineConfig config = loaded.config();
        long configMillis = millisSince(t0);
        Deployable deployable;
        try {
            Preflight preflight = new Preflight();
            long checks = System.nanoTime();
            deployable = factory.create(config, options, metrics, preflight);
            if (!preflight.problems().isEmpty()) {
                throw new ConfigException("start-up checks of " + name, preflight.problems());
            }
            // where a start's time goes (docs/performance.md): the JVM up to here, the pipeline file, the checks
            StringBuilder each = new StringBuilder();
            preflight.millis().forEach((check, ms) -> each.append(' ').append(check).append("_ms=").append(ms));
            log.info("start-up deployable={} jvm_ms={} config_ms={} checks_ms={}{}", name, jvmMillis, configMillis, millisSince(checks), each);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        return serve(name, config, deployable, metrics, stop);
    }

    /** {@code --config} and the deployable's own options; null after printing the usage. */
    private static Map<String, String> options(String name, String[] args, List<String> optionNames) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String key = args[i].startsWith("--") ? args[i].substring(2) : null;
            if (key == null || !(key.equals("config") || optionNames.contains(key)) || i + 1 >= args.length) {
                System.err.println("usage: tributary " + name + " --config FILE"
                        + optionNames.stream().map(o -> " [--" + o + " VALUE]").reduce("", String::concat)
                        + "\n(problem with argument '" + args[i] + "')");
                return null;
            }
            options.put(key, args[++i]);
        }
        if (!options.containsKey("config")) {
            System.err.println("usage: tributary " + name + " --config FILE (the pipeline file is required)");
            return null;
        }
        return options;
    }

    /** Serves metrics, health and status, runs the deployable until stopped, and closes it; the exit code. */
    private static int serve(String name, PipelineConfig config, Deployable deployable, PrometheusMeterRegistry metrics, CountDownLatch stop) {
        CountDownLatch closed = new CountDownLatch(1);
        // 1 while the deployable is doing its job: a process that is up but not ready (a sink never assigned,
        // streams stuck rebalancing) is invisible to Prometheus' own up series
        io.micrometer.core.instrument.Gauge.builder("tributary.ready", deployable, d -> d.ready() ? 1 : 0)
                .description("1 while the deployable is ready (GET /health/ready answers 200)").strongReference(true).register(metrics);
        DeployableStatus status = new DeployableStatus(name, deployable, metrics);
        try (AutoCloseable jvm = bindJvmMetrics(metrics);
             HttpEndpoints http = new HttpEndpoints(config.httpBind(), config.httpPort(name), metrics, deployable::alive, deployable::ready, status::json)) {
            log.info("starting deployable={} http_port={}", name, http.port());
            // On SIGTERM the JVM only waits for shutdown hooks, so the hook waits for the clean close below.
            Thread hook = new Thread(() -> {
                stop.countDown();
                try {
                    closed.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "tributary-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            if (!awaitLease(name, deployable.lease(), stop, status)) {
                log.info("stopped deployable={} while standby", name);
                return 0;
            }
            long starting = System.nanoTime();
            deployable.start();
            log.info("started deployable={} start_ms={} since_jvm_start_ms={}", name, millisSince(starting),
                    java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
            long nextLeaseCheck = System.nanoTime();
            while (!stop.await(500, java.util.concurrent.TimeUnit.MILLISECONDS) && !deployable.finished()) {
                if (!deployable.alive()) {
                    log.error("deployable={} stopped after a fatal error; see the log above", name);
                    deployable.close();
                    return 1;
                }
                if (System.nanoTime() >= nextLeaseCheck) {
                    nextLeaseCheck = System.nanoTime() + LEASE_CHECK_NANOS;
                    if (!deployable.lease().held()) {
                        log.error("deployable={} lost its lease ({}): stopping, so that a standby can take over and never two run at once",
                                name, deployable.lease().describe());
                        deployable.close();
                        return 1;
                    }
                }
            }
            log.info("stopping deployable={}", name);
            deployable.close();
            log.info("stopped deployable={}", name);
            return 0;
        } catch (Exception e) {
            log.error("deployable={} failed: {}", name, e.toString(), e);
            deployable.close();
            return 1;
        } finally {
            deployable.lease().close();
            closed.countDown();
        }
    }

    private static long millisSince(long nanos) {
        return java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static final long LEASE_CHECK_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    private static final long LEASE_RETRY_MILLIS = 1000;

    /**
     * Takes the deployable's lease, waiting as a standby (tried every second) while another instance holds it.
     * False when stopped first.
     */
    private static boolean awaitLease(String name, io.tributary.common.lease.Lease lease, CountDownLatch stop, DeployableStatus status)
            throws Exception {
        long since = System.nanoTime();
        boolean waited = false;
        boolean saidUnreachable = false;
        while (true) {
            boolean acquired = false;
            try {
                acquired = lease.tryAcquire();
                if (!acquired && !waited) {
                    log.info("deployable={} is a standby: another instance holds the lease ({}); it takes over when that one is gone",
                            name, lease.describe());
                }
            } catch (Exception e) {
                if (!saidUnreachable) { // e.g. the source is down: not a sign of another instance
                    log.warn("deployable={} cannot try its lease ({}) yet: {}; retrying every second", name, lease.describe(), e.toString());
                    saidUnreachable = true;
                }
            }
            if (acquired) {
                status.standby(false);
                if (waited) {
                    log.info("deployable={} took the lease ({}) after {} s of waiting: now the active instance", name, lease.describe(),
                            (System.nanoTime() - since) / 1_000_000_000);
                }
                return true;
            }
            waited = true;
            status.standby(true);
            if (stop.await(LEASE_RETRY_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return false;
            }
        }
    }
}
