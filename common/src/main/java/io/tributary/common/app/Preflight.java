package io.tributary.common.app;

import io.tributary.common.config.ConfigProblem;
import io.tributary.common.config.Secret;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Start-up checks that the servers a deployable needs answer, collected like config problems so that a
 * person sees every unreachable server at once, with the key in the pipeline file that names it. Checks of
 * different servers run at the same time ({@link #concurrently}): a start waits for the slowest server, not
 * for the sum of them.
 */
public final class Preflight {
    private final List<ConfigProblem> problems = new ArrayList<>();
    /** How long each named check took, in milliseconds, in the order they were started. */
    private final Map<String, Long> millis = new LinkedHashMap<>();

    /** A start-up check of its own: {@code body} adds what it finds to the Preflight it is given. */
    public record Check(String name, Consumer<Preflight> body) {
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    /** How long each check run by {@link #concurrently} took, in milliseconds, by name (nested checks included). */
    public Map<String, Long> millis() {
        return millis;
    }

    /**
     * Runs {@code checks} at the same time, each on a thread and into a Preflight of its own, and adds their
     * problems in the order of {@code checks}: the same list as when they run one after another, in the time of
     * the slowest. A check that throws makes this throw (the first of {@code checks} that did), after all ended.
     */
    public void concurrently(List<Check> checks) {
        ExecutorService threads = Executors.newFixedThreadPool(Math.max(1, checks.size()), r -> {
            Thread t = new Thread(r, "preflight");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Preflight>> running = checks.stream().map(c -> threads.submit(() -> run(c))).toList();
            List<Preflight> done = new ArrayList<>();
            RuntimeException thrown = null;
            for (Future<Preflight> f : running) {
                try {
                    done.add(f.get());
                } catch (ExecutionException e) {
                    thrown = thrown != null ? thrown : e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted during the start-up checks", e);
                }
            }
            if (thrown != null) {
                throw thrown;
            }
            done.forEach(p -> {
                problems.addAll(p.problems);
                millis.putAll(p.millis);
            });
        } finally {
            threads.shutdownNow();
        }
    }

    private static Preflight run(Check check) {
        Preflight p = new Preflight();
        long t0 = System.nanoTime();
        check.body().accept(p);
        p.millis.put(check.name(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return p;
    }

    public void problem(String key, String message, String hint) {
        problems.add(new ConfigProblem(key, message, hint));
    }

    /** Kafka and the registry of the pipeline file answer. */
    public void kafkaAndRegistry(io.tributary.common.config.PipelineConfig config) {
        kafkaAnd(config, new Check("registry", p -> p.registry(config.registry())));
    }

    /** Kafka checked at the same time as {@code registry}. */
    private void kafkaAnd(io.tributary.common.config.PipelineConfig config, Check registry) {
        concurrently(List.of(new Check("kafka", p -> p.kafka(config.kafka().bootstrap(), config.kafka().properties())), registry));
    }

    /** The services a deployable runs: all of the file's, or the one {@code --service} names. */
    public List<io.tributary.common.config.PipelineConfig.Service> services(io.tributary.common.config.PipelineConfig config,
                                                                             Map<String, String> options) {
        var services = config.services().stream()
                .filter(s -> !options.containsKey("service") || s.name().equals(options.get("service"))).toList();
        if (services.isEmpty()) {
            problem("--service", "no service named '" + options.get("service") + "'", "use a name listed under services:");
        }
        return services;
    }

    /** The sources of one kind a capture runs: all of the file's, or the one {@code --source} names. */
    public List<io.tributary.common.config.PipelineConfig.Source> sources(io.tributary.common.config.PipelineConfig config,
                                                                           Map<String, String> options, boolean sqlite) {
        String kind = sqlite ? "SQLite" : "PostgreSQL";
        var sources = config.sources().stream().filter(s -> s.isSqlite() == sqlite)
                .filter(s -> !options.containsKey("source") || s.name().equals(options.get("source"))).toList();
        if (sources.isEmpty()) {
            problem("--source", options.containsKey("source") ? "no " + kind + " source named '" + options.get("source") + "'"
                    : "the pipeline file has no " + kind + " source", sqlite ? "add a source with sqlite: { path: ... }" : "add a source with postgres: { url: ... }");
        }
        return sources;
    }

    /**
     * How long the broker has to answer. Generous: on a busy host (the deployables starting beside a snapshot,
     * two cores) a healthy broker took over 10 s, and a deployable that gives up is only restarted into the same
     * wait; an address that is wrong still fails, after this long.
     */
    static final int KAFKA_WAIT_SECONDS = 30;

    public void kafka(String bootstrap, Map<String, String> extra) {
        Map<String, Object> props = new java.util.HashMap<>(extra);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (KAFKA_WAIT_SECONDS - 2) * 1000);
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().clusterId().get(KAFKA_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            kafkaProblem(bootstrap, extra, e);
        }
    }

    /** Names the setting behind a Kafka failure: the credentials or TLS settings of kafka.properties, else the address. */
    private void kafkaProblem(String bootstrap, Map<String, String> props, Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause && !(cause instanceof org.apache.kafka.common.errors.AuthenticationException)) {
            cause = cause.getCause();
        }
        if (cause instanceof org.apache.kafka.common.errors.SslAuthenticationException) {
            problem(props.containsKey("ssl.truststore.location") ? "kafka.properties.ssl.truststore.location" : "kafka.properties",
                    "the TLS handshake with Kafka at '" + bootstrap + "' failed (" + rootMessage(e) + ")",
                    "give the broker's CA in kafka.properties ssl.truststore.location (and ssl.truststore.password), and check security.protocol");
        } else if (cause instanceof org.apache.kafka.common.errors.AuthenticationException) {
            problem(props.containsKey("sasl.jaas.config") ? "kafka.properties.sasl.jaas.config" : "kafka.properties",
                    "Kafka at '" + bootstrap + "' refused the credentials (" + rootMessage(cause) + ")",
                    "check the user name and password in kafka.properties sasl.jaas.config, and sasl.mechanism ("
                            + props.getOrDefault("sasl.mechanism", "GSSAPI, Kafka's default") + ")");
        } else {
            problem("kafka.bootstrap", "Kafka at '" + bootstrap + "' did not answer within " + KAFKA_WAIT_SECONDS + " s (" + rootMessage(e) + ")",
                    "check the address and that the broker is running; with security.protocol " + props.getOrDefault("security.protocol", "PLAINTEXT")
                            + " in kafka.properties, check it is the broker listener's");
        }
    }

    /**
     * Kafka answers, and the registry does unless it is only unreachable or failing (a retriable failure): every
     * deployable waits that out where it needs the registry, a capture when it registers its first schema
     * ({@link io.tributary.common.kafka.RegistryWait}), the transform and the sink when they read a record's
     * schema (for up to {@code registry.retry-for}), where stopping with exit 2 ("your config is wrong") would
     * only be restarted into the same outage, a crash loop. Refused credentials, a truststore that does not fit
     * or a wrong path are still problems.
     *
     * @param waits what the deployable does until the registry answers, for the start-up warning
     */
    public void kafkaAndWaitedRegistry(io.tributary.common.config.PipelineConfig config, String waits) {
        kafkaAnd(config, new Check("registry", p -> p.registry(config.registry(), waits)));
    }

    /** The registry answers {@code GET /subjects} with these credentials and this truststore. */
    public void registry(io.tributary.common.config.PipelineConfig.Registry registry) {
        registry(registry, null);
    }

    /**
     * As {@link #registry(io.tributary.common.config.PipelineConfig.Registry)}, but with {@code waits} set (what the
     * deployable does until the registry answers) a retriable failure is only a warning saying so, not a problem.
     */
    public void registry(io.tributary.common.config.PipelineConfig.Registry registry, String waits) {
        io.tributary.schemas.registry.SchemaRegistryClient client;
        try {
            client = registry.client();
        } catch (IllegalArgumentException e) {
            problem("registry.truststore", e.getMessage(), "check the file and registry.truststore-password");
            return;
        }
        try {
            client.check();
        } catch (io.tributary.schemas.registry.RegistryException e) {
            if (waits != null && e.retriable() && !tlsFailure(e)) {
                org.slf4j.LoggerFactory.getLogger(Preflight.class).warn("the schema registry does not answer yet ({}); starting anyway: {}",
                        e.getMessage(), waits);
                return;
            }
            String key = e.status() == 401 || e.status() == 403 ? (registry.token() != null ? "registry.token" : "registry.user")
                    : e.status() == 0 && registry.truststore() != null && rootMessage(e).contains("SSL") ? "registry.truststore" : "registry.url";
            problem(key, e.getMessage(), e.status() == 0 ? "check the URL, that the registry is running and, for https, that "
                    + "registry.truststore holds its CA" : "see the message");
        }
    }

    /**
     * A TLS handshake that the registry's certificate or settings failed (not trusted, a wrong host name, no
     * common protocol), with or without registry.truststore: no answer, like an outage, but waiting does not
     * change it. A connection closed during the handshake (a server restarting) is an outage.
     */
    private static boolean tlsFailure(Throwable e) {
        Throwable root = e;
        boolean ssl = false;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            ssl |= t instanceof javax.net.ssl.SSLException;
            root = t;
        }
        return ssl && !(root instanceof java.io.EOFException || root instanceof java.net.SocketException);
    }

    public void postgres(String key, String url, String user, Secret password) {
        try (Connection c = connect(url, user, password)) {
            c.isValid(5);
        } catch (SQLException e) {
            problem(key, "cannot connect to PostgreSQL at '" + url + "' as '" + user + "' (" + rootMessage(e) + ")",
                    "check the URL, the user and the password, and that the server is running");
        }
    }

    /**
     * A JDBC connection that cannot hang for ever on a half-open TCP connection (a failover): keep-alive on
     * and a socket timeout of 5 minutes, unless the URL sets its own.
     */
    public static Connection connect(String url, String user, Secret password) throws SQLException {
        DriverManager.setLoginTimeout(10);
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", user);
        props.setProperty("password", password.value());
        if (!url.contains("socketTimeout")) {
            props.setProperty("socketTimeout", "300");
        }
        if (!url.contains("tcpKeepAlive")) {
            props.setProperty("tcpKeepAlive", "true");
        }
        return DriverManager.getConnection(url, props);
    }

    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
