package io.tributary.common.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the benchmarks read from /proc. */
class ProcessCpuTest {
    @Test
    void aProcessTreeCountsItsChildrenEndedOnesIncluded() throws Exception {
        long self = ProcessHandle.current().pid();
        double before = ProcessCpu.treeSeconds(self) - ProcessCpu.seconds(self); // its children's
        assertTrue(ProcessCpu.seconds(self) > 0, "this JVM has used some CPU");
        // a child that spins for about half a second of CPU and ends: waited for, so in this process's cutime
        Process child = new ProcessBuilder("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done").start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        double childSeconds = ProcessCpu.treeSeconds(self) - ProcessCpu.seconds(self) - before;
        assertTrue(childSeconds > 0.05, "the ended child's CPU is counted: " + childSeconds);
        assertTrue(Double.isNaN(ProcessCpu.seconds(Long.MAX_VALUE)), "no such process");
    }

    @Test
    void theMachineHasBeenBusy() {
        double busy = ProcessCpu.machineBusySeconds();
        assertTrue(busy > 0 && busy >= ProcessCpu.ownSeconds() - 1, "the machine's busy seconds include this JVM's: " + busy);
    }
}
