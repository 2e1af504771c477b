package io.tributary.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * Each deployable's JVM flags (heap, metaspace, code cache, thread stacks, direct buffers, collector), as
 * {@code bin/tributary} and the images run it: read from {@code tributary-jvm.properties}, which Maven writes from
 * {@code ops/pom.xml}'s {@code tributary.jvm.*} properties. The budget they add up to is in docs/operations.md.
 */
public final class JvmBudget {
    private JvmBudget() {
    }

    /** The JVM flags of {@code deployable} ({@code capture-postgres}, {@code capture-sqlite}, {@code transform}, {@code sink}). */
    public static List<String> flags(String deployable) {
        Properties p = new Properties();
        try (InputStream in = JvmBudget.class.getResourceAsStream("/tributary-jvm.properties")) {
            if (in == null) {
                throw new IllegalStateException("tributary-jvm.properties is not on the classpath (build the ops module)");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tributary-jvm.properties", e);
        }
        String flags = p.getProperty(deployable);
        if (flags == null) {
            throw new IllegalArgumentException("no JVM flags for '" + deployable + "' in tributary-jvm.properties; it has " + p.stringPropertyNames());
        }
        return Arrays.stream(flags.trim().split("\\s+")).toList();
    }
}
