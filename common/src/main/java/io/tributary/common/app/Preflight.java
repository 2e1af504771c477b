package io.tributary.common.app;

import io.tributary.common.config.ConfigProblem;
import io.tributary.common.config.Secret;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Start-up checks that the servers a deployable needs answer, collected like config problems so that a
 * person sees every unreachable server at once, with the key in the pipeline file that names it.
 */
public final class Preflight {
    private final List<ConfigProblem> problems = new ArrayList<>();

    public List<ConfigProblem> problems() {
        return problems;
    }

    public void problem(String key, String message, String hint) {
        problems.add(new ConfigProblem(key, message, hint));
    }

    /** Kafka and the registry of the pipeline file answer. */
    public void kafkaAndRegistry(io.tributary.common.config.PipelineConfig config) {
        kafka(config.kafka().bootstrap(), config.kafka().properties());
        registry(config.registry().url());
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

    public void kafka(String bootstrap, Map<String, String> extra) {
        Map<String, Object> props = new java.util.HashMap<>(extra);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 8000);
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            problem("kafka.bootstrap", "Kafka at '" + bootstrap + "' did not answer within 10 s (" + rootMessage(e) + ")",
                    "check the address and that the broker is running");
        }
    }

    public void registry(String url) {
        try {
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(HttpRequest.newBuilder(URI.create(url + "/subjects")).timeout(Duration.ofSeconds(10)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                problem("registry.url", "schema registry at '" + url + "' answered HTTP " + r.statusCode() + " to GET /subjects",
                        "point it at the Confluent-compatible API (for Apicurio: .../apis/ccompat/v7)");
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            problem("registry.url", "schema registry at '" + url + "' is unreachable (" + rootMessage(e) + ")",
                    "check the URL and that the registry is running");
        }
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
