package io.tributary.ops.local.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bench's CPU budget: what it reads from /proc and how it adds it up. */
class CpuBudgetTest {
    @Test
    void aProcessTreeCountsItsChildrenEndedOnesIncluded() throws Exception {
        long self = ProcessHandle.current().pid();
        double before = CpuBudget.treeSeconds(self) - CpuBudget.processSeconds(self); // its children's
        assertTrue(CpuBudget.processSeconds(self) > 0, "this JVM has used some CPU");
        // a child that spins for about half a second of CPU and ends: waited for, so in this process's cutime
        Process child = new ProcessBuilder("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done").start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        double childSeconds = CpuBudget.treeSeconds(self) - CpuBudget.processSeconds(self) - before;
        assertTrue(childSeconds > 0.05, "the ended child's CPU is counted: " + childSeconds);
        assertTrue(Double.isNaN(CpuBudget.processSeconds(Long.MAX_VALUE)), "no such process");
    }

    @Test
    void sumsTheListedProcessesButNotTheirPartsAndLeavesStartUpOutOfThePerRowFigure() {
        double[] a = {1.0};
        double[] b = {2.0};
        CpuBudget budget = new CpuBudget().add("capture", () -> a[0]).add("broker", () -> b[0]).addPart("  of it, a thread", () -> b[0] / 2).start();
        a[0] = 11.0; // 10 s, 4 of them starting (the reading at its start was 1 + 4)
        b[0] = 6.0; // 4 s
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        budget.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), "of a test", 1_000_000, "row", 1, Map.of("capture", 5.0));
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, printed.lines().filter(l -> l.matches("\\s+capture\\s+10\\.0\\s+4\\.0\\s+\\S+\\s+6\\.0")).count(), printed);
        assertEquals(1, printed.lines().filter(l -> l.matches("\\s+of it, a thread\\s+2\\.0\\s+-\\s+\\S+\\s+2\\.0")).count(), printed);
        assertEquals(1, printed.lines().filter(l -> l.matches("\\s+all listed\\s+14\\.0\\s+4\\.0\\s+\\S+\\s+10\\.0")).count(),
                "10 + 4, not the part; per row without start-up: " + printed);
    }
}
