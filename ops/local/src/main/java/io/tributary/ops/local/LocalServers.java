package io.tributary.ops.local;

import io.tributary.testkit.LocalStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * The process behind {@code bin/tributary local up}: starts the demo's local servers (Kafka, schema
 * registry, PostgreSQL) and writes their {@code KEY=value} lines to {@code <dir>/env} once they answer, then
 * runs until SIGTERM ({@code local down}), when it stops them.
 */
public final class LocalServers {
    private LocalServers() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: LocalServers DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        LocalStack stack = LocalStack.start(dir.resolve("servers"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stack.close();
            } catch (Exception e) {
                System.err.println("stopping local servers: " + e);
            }
            stopped.countDown();
        }, "local-servers-stop"));
        StringBuilder env = new StringBuilder();
        stack.environment().forEach((k, v) -> env.append(k).append('=').append(v).append('\n'));
        Path tmp = dir.resolve("env.tmp");
        Files.writeString(tmp, env);
        Files.move(tmp, dir.resolve("env"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        stopped.await();
    }
}
