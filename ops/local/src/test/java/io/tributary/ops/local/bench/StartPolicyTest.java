package io.tributary.ops.local.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.tributary.ops.local.bench.StartPolicy.Next;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The bench's supervision of the deployables it starts ({@code bin/tributary bench pipeline}), without processes. */
class StartPolicyTest {
    private static final BooleanSupplier YES = () -> true;
    private static final BooleanSupplier NO = () -> false;

    @Test
    void oneThatExitsAtStartIsStartedAgainUntilItsLastStart() {
        for (int attempt = 1; attempt < StartPolicy.ATTEMPTS; attempt++) {
            assertEquals(Next.START_AGAIN, StartPolicy.next(attempt, true, YES, NO), "exited at start " + attempt);
        }
        assertEquals(Next.STOP_WAITING, StartPolicy.next(StartPolicy.ATTEMPTS, true, YES, NO), "exited at the last start: for failure() to report");
    }

    @Test
    void oneThatAlwaysExitsIsStartedEightTimesInAll() {
        int starts = 1;
        while (StartPolicy.next(starts, true, NO, NO) == Next.START_AGAIN) {
            starts++;
            assertFalse(starts > 100, "never stops starting it");
        }
        assertEquals(8, starts);
    }

    @Test
    void oneThatRunsIsWaitedForUntilItAnswersOrItsTimeIsOver() {
        assertEquals(Next.KEEP_WAITING, StartPolicy.next(1, false, NO, NO));
        assertEquals(Next.KEEP_WAITING, StartPolicy.next(StartPolicy.ATTEMPTS, false, NO, NO), "the last start is waited for too");
        assertEquals(Next.STOP_WAITING, StartPolicy.next(1, false, YES, NO), "answers");
        assertEquals(Next.STOP_WAITING, StartPolicy.next(3, false, YES, NO), "answers after a start again");
        assertEquals(Next.STOP_WAITING, StartPolicy.next(1, false, NO, YES), "late: left running, judged by what it does");
    }

    @Test
    void oneThatExitsAfterItsTimeIsOverIsNotStartedAgain() {
        assertEquals(Next.STOP_WAITING, StartPolicy.next(1, true, NO, YES));
    }

    @Test
    void aProcessThatHasExitedIsNotAsked() {
        AtomicBoolean asked = new AtomicBoolean();
        StartPolicy.next(1, true, () -> asked.getAndSet(true), NO);
        assertFalse(asked.get(), "an HTTP request to a process that has exited");
    }

    @Test
    void theLogOfAStartThatExitedIsKeptUnderItsNumberAndSaid() {
        Path kept = StartPolicy.keptLog(Path.of("bench", "sink-2.log"), 3);
        assertEquals(Path.of("bench", "sink-2.log.3"), kept);
        assertEquals("  sink-2 exited at start (code 2, see " + kept + "); starting it again", StartPolicy.startAgainLine("sink-2", 2, kept));
    }
}
