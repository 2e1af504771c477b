package io.tributary.common.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.ConfigProblem;
import io.tributary.common.config.PipelineConfig;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Checks run at the same time report exactly what they report one after another, in the same order. */
class PreflightTest {
    /** Waits (bounded) for {@code latch}; a problem when it was not counted down, which fails the test. */
    private static void await(CountDownLatch latch, Preflight p) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                p.problem("await", "the other check did not run meanwhile", "");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void checksRunTogetherAndTheirProblemsKeepTheOrderOfTheChecks() {
        CountDownLatch lastRan = new CountDownLatch(1);
        Preflight preflight = new Preflight();
        preflight.problem("before", "found before", "");
        // the first check ends last: it waits for the last one, which it could not if they ran one after another
        preflight.concurrently(List.of(
                new Preflight.Check("first", p -> {
                    await(lastRan, p);
                    p.problem("first.a", "one", "");
                    p.problem("first.b", "two", "");
                }),
                new Preflight.Check("quiet", p -> { }),
                new Preflight.Check("last", p -> {
                    p.problem("last", "three", "");
                    lastRan.countDown();
                })));
        assertEquals(List.of("before", "first.a", "first.b", "last"), preflight.problems().stream().map(ConfigProblem::key).toList(),
                preflight.problems().toString());
        assertEquals(List.of("first", "quiet", "last"), List.copyOf(preflight.millis().keySet()));
    }

    @Test
    void nestedChecksAreTimedAndReportedInOrder() {
        Preflight preflight = new Preflight();
        preflight.concurrently(List.of(
                new Preflight.Check("outer", p -> p.concurrently(List.of(
                        new Preflight.Check("inner.a", q -> q.problem("a", "a", "")),
                        new Preflight.Check("inner.b", q -> q.problem("b", "b", ""))))),
                new Preflight.Check("other", p -> p.problem("c", "c", ""))));
        assertEquals(List.of("a", "b", "c"), preflight.problems().stream().map(ConfigProblem::key).toList());
        assertTrue(preflight.millis().keySet().containsAll(List.of("inner.a", "inner.b", "outer", "other")), preflight.millis().toString());
    }

    @Test
    void aCheckThatThrowsFailsTheChecksAfterTheOthersEnded() {
        CountDownLatch otherEnded = new CountDownLatch(1);
        Preflight preflight = new Preflight();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> preflight.concurrently(List.of(
                new Preflight.Check("throws", p -> {
                    throw new IllegalStateException("a bug in a check");
                }),
                new Preflight.Check("other", p -> otherEnded.countDown()))));
        assertEquals("a bug in a check", e.getMessage());
        assertEquals(0, otherEnded.getCount(), "the other check ran to its end");
    }

    /**
     * A registry that does not answer is a problem (exit 2) for a tool, but not for a deployable that waits it out
     * (the captures, the transform, the sink): a restart would only meet the same outage. Refused credentials and
     * TLS stay problems for both (RegistrySecurityIT, against a real registry).
     */
    @Test
    void anUnreachableRegistryIsAProblemUnlessTheDeployableWaitsItOut() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort(); // nothing listens here once the socket is closed
        }
        PipelineConfig.Registry registry = new PipelineConfig.Registry("http://127.0.0.1:" + closed, "BACKWARD");
        Preflight strict = new Preflight();
        strict.registry(registry);
        assertEquals(List.of("registry.url"), strict.problems().stream().map(ConfigProblem::key).toList(), strict.problems().toString());
        assertTrue(strict.problems().get(0).toString().contains("unreachable"), strict.problems().toString());

        Preflight waited = new Preflight();
        waited.registry(registry, "the test waits");
        assertEquals(List.of(), waited.problems(), "an outage is only a warning");
    }

    @Test
    void aTruststoreThatCannotBeReadStaysAProblemWhenWaited(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Preflight waited = new Preflight();
        waited.registry(new PipelineConfig.Registry("https://127.0.0.1:1", "BACKWARD", null, null, null, dir.resolve("missing.p12"),
                null, PipelineConfig.Registry.DEFAULT_RETRY_FOR), "waits");
        assertEquals(List.of("registry.truststore"), waited.problems().stream().map(ConfigProblem::key).toList(), waited.problems().toString());
    }
}
