package io.tributary.ops;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * The containers' health check: {@code java -cp /app/classes io.tributary.ops.HealthProbe URL} exits 0 when
 * {@code URL} (a deployable's {@code /health/ready} or {@code /health/live}) answers 200 within 3 s, else 1.
 * Jib writes no HEALTHCHECK into an image and the Java base image has no curl, so docker/compose.yaml runs
 * this. It depends on nothing but the JDK, so {@code /app/classes} alone is its classpath and the JVM starts fast.
 */
public final class HealthProbe {
    private HealthProbe() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: HealthProbe URL   (e.g. http://127.0.0.1:9404/health/ready)");
            System.exit(2);
        }
        System.exit(healthy(args[0]) ? 0 : 1);
    }

    static boolean healthy(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(3000);
            c.setReadTimeout(3000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("unhealthy: " + url + ": " + e);
            return false;
        }
    }
}
