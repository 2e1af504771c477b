package io.tributary.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Future;

/** What a deployable a test runs says of itself: its Prometheus {@code /metrics}, and how its run ended. */
public final class ScrapedMetrics {
    private ScrapedMetrics() {
    }

    /**
     * The sum of the samples of {@code metric} (a Prometheus name, e.g. {@code tributary_errors_total}) on
     * {@code 127.0.0.1:port/metrics} whose labels contain every one of {@code labels} ({@code kind="retriable"});
     * 0 while the deployable does not serve its metrics yet.
     */
    public static double sum(int port, String metric, String... labels) {
        String body;
        try {
            body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException notYet) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
        return body.lines().filter(l -> l.startsWith(metric + "{") && java.util.Arrays.stream(labels).allMatch(l::contains))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** The exit code of a deployable's finished run, or how the run failed, for an assertion's message. */
    public static String exitCode(Future<Integer> run) {
        try {
            return String.valueOf(run.get());
        } catch (Exception e) {
            return e.toString();
        }
    }
}
