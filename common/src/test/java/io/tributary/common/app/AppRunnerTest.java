package io.tributary.common.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit code 2 with every problem listed and no stack trace, for bad files and unreachable servers. */
class AppRunnerTest {
    @TempDir
    Path dir;

    private record Result(int code, String err) {
    }

    private Result run(String yaml, AppRunner.Factory factory) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, yaml);
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = AppRunner.run("sink", new String[] {"--config", file.toString()}, List.of("service"), factory, new CountDownLatch(1));
            return new Result(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }

    @Test
    void aBadFileExitsTwoListingEveryProblem() throws Exception {
        Result r = run("kafka: {}\nsources: []\n", (c, o, m, p) -> {
            throw new AssertionError("factory must not be called for an invalid file");
        });
        assertEquals(2, r.code);
        assertTrue(r.err.contains("kafka.bootstrap: is required"), r.err);
        assertTrue(r.err.contains("registry.url: is required"), r.err);
        assertTrue(r.err.contains("sources: missing or empty"), r.err);
        assertTrue(r.err.contains("services: missing or empty"), r.err);
        assertFalse(r.err.contains("\tat "), "no stack trace: " + r.err);
    }

    @Test
    void unreachableServersAreAllReportedWithExitTwo() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort(); // nothing listens here once the socket is closed
        }
        String yaml = """
                kafka: { bootstrap: "127.0.0.1:%d" }
                registry: { url: "http://127.0.0.1:%d" }
                sources: [ { name: src, sqlite: { path: /nonexistent.db }, tables: [t] } ]
                services: [ { name: svc, target: { url: "jdbc:postgresql://127.0.0.1:%d/x", user: u, password: hunter2 }, tables: [src.main.t] } ]
                """.formatted(closed, closed, closed);
        Result r = run(yaml, (config, options, metrics, preflight) -> {
            var svc = config.services().get(0);
            // as the deployables check: each server at the same time
            preflight.concurrently(List.of(new Preflight.Check("kafka_and_registry", p -> p.kafkaAndRegistry(config)),
                    new Preflight.Check("target", p -> p.postgres("services[svc].target", svc.target().url(), svc.target().user(), svc.target().password()))));
            return new Deployable() {
                @Override
                public void start() {
                    throw new AssertionError("preflight problems must stop the deployable before it starts");
                }

                @Override
                public boolean ready() {
                    return false;
                }

                @Override
                public void close() {
                }
            };
        });
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("kafka.bootstrap: Kafka at '127.0.0.1:" + closed + "' did not answer"), r.err);
        assertTrue(r.err.contains("registry.url: schema registry at"), r.err);
        assertTrue(r.err.contains("services[svc].target: cannot connect to PostgreSQL"), r.err);
        assertTrue(r.err.indexOf("kafka.bootstrap:") < r.err.indexOf("registry.url:")
                && r.err.indexOf("registry.url:") < r.err.indexOf("services[svc].target:"), "in the order of the checks: " + r.err);
        assertFalse(r.err.contains("hunter2"), "the password must not be printed");
        assertFalse(r.err.contains("\tat "), "no stack trace: " + r.err);
    }

    @Test
    void fileProblemsAndUnreachableServersComeTogether() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String yaml = """
                kafka: { bootstrap: "127.0.0.1:%d" }
                registry: { url: "http://127.0.0.1:%d" }
                sources: [ { name: src, sqlite: { path: /x.db }, tables: [t] } ]
                services: [ { name: svc, target: { user: u }, tables: [src.main.t, src.main.ghost] } ]
                """.formatted(closed, closed);
        Result r = run(yaml, (c, o, m, p) -> {
            throw new AssertionError("factory must not be called for an invalid file");
        });
        assertEquals(2, r.code);
        assertTrue(r.err.contains("services[svc].target.url: is required"), r.err);
        assertTrue(r.err.contains("unknown table 'src.main.ghost'"), r.err);
        assertTrue(r.err.contains("kafka.bootstrap: Kafka at"), r.err);
        assertTrue(r.err.contains("registry.url: schema registry at"), r.err);
    }

    @Test
    void aBadCommandLineExitsTwo() {
        assertEquals(2, AppRunner.run("sink", new String[] {"--colour", "x"}, List.of("service"), (c, o, m, p) -> null, new CountDownLatch(1)));
        assertEquals(2, AppRunner.run("sink", new String[0], List.of(), (c, o, m, p) -> null, new CountDownLatch(1)));
    }
}
