package io.tributary.ops.cutover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.sql.Sequences;
import io.tributary.ops.reconcile.ReconcileOptions;
import io.tributary.ops.reconcile.TableReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cutover's rules: go only when every gate passes, and one reason per gate that does not. */
class VerdictsTest {
    private static final Fence.Outcome PASSED = new Fence.Outcome(true, null, List.of("source app at LSN 0/10"), 1.5);
    private static final List<Sequences.Sequence> MOVED = List.of(new Sequences.Sequence("id", "public.orders_id_seq", 2001, 2000L));

    private static CutoverOptions options(double rate, Duration maxLag) {
        return new CutoverOptions(new ReconcileOptions(Map.of(), null, null, Map.of(), 0, 1, 1, rate, Duration.ZERO, 10_000, 64, 20, 10_000),
                maxLag, Duration.ofSeconds(30));
    }

    private static TableReport compared(long rows, long changed, double gate) {
        return new TableReport("billing", "app.main.orders", "all rows", rows, rows, rows, 0, 0, changed, 0, gate,
                List.of("id"), List.of("id"), List.of(), List.of(), null, 0.1);
    }

    @Test
    void goWhenEveryGatePasses() {
        TableVerdict v = Verdicts.decide(PASSED, 0.2, compared(2000, 0, 0), MOVED, null, options(0, Duration.ofSeconds(1)));
        assertTrue(v.go(), v.reasons().toString());
        assertEquals("go", v.word());
        assertEquals(List.of(), v.reasons());
    }

    @Test
    void aMismatchAboveTheGateIsNoGoWithTheFigures() {
        TableVerdict v = Verdicts.decide(PASSED, 0, compared(2000, 3, 0.001), MOVED, null, options(0.001, null));
        assertFalse(v.go());
        assertEquals(List.of("3 rows differ (0 missing, 0 extra, 3 changed): mismatch rate 0.15% is above --max-mismatch-rate 0.1%"), v.reasons());
        assertTrue(Verdicts.decide(PASSED, 0, compared(2000, 2, 0.001), MOVED, null, options(0.001, null)).go(), "0.1% is within a 0.1% gate");
    }

    @Test
    void aFenceNotPassedIsNoGoNamingTheStageBehind() {
        Fence.Outcome late = new Fence.Outcome(false, "the sink (group g) to consume the service topics", List.of(), 30);
        TableVerdict v = Verdicts.decide(late, 0, compared(10, 0, 0), MOVED, null, options(0, null));
        assertFalse(v.go());
        assertTrue(v.reasons().get(0).contains("not passed within PT30S") && v.reasons().get(0).contains("the sink (group g)"), v.reasons().toString());
    }

    @Test
    void lagAboveTheGateIsNoGoAndNoGateMeansAnyLag() {
        assertEquals(List.of("pipeline lag 2.5 s is above --max-lag PT1S"),
                Verdicts.decide(PASSED, 2.5, compared(10, 0, 0), MOVED, null, options(0, Duration.ofSeconds(1))).reasons());
        assertTrue(Verdicts.decide(PASSED, 2.5, compared(10, 0, 0), MOVED, null, options(0, null)).go());
    }

    @Test
    void aTableNotComparedOrWhoseSequencesDidNotMoveIsNoGo() {
        TableReport failed = new TableReport("billing", "app.main.orders", "", 0, 0, 0, 0, 0, 0, 0, 0, List.of(), List.of(), List.of(),
                List.of(), "relation \"orders\" does not exist", 0);
        assertEquals(List.of("reconcile could not compare the table: relation \"orders\" does not exist"),
                Verdicts.decide(PASSED, 0, failed, List.of(), null, options(0, null)).reasons());
        List<Sequences.Sequence> behind = List.of(new Sequences.Sequence("id", "public.orders_id_seq", 7, 2000L));
        assertTrue(Verdicts.decide(PASSED, 0, compared(10, 0, 0), behind, null, options(0, null)).reasons().get(0)
                .contains("would next give 7, not past the highest value 2000"));
        assertTrue(Verdicts.decide(PASSED, 0, compared(10, 0, 0), List.of(), "permission denied for sequence orders_id_seq", options(0, null))
                .reasons().get(0).contains("permission denied"));
    }
}
