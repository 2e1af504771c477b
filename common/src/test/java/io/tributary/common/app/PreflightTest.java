package io.tributary.common.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.ConfigProblem;
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
}
