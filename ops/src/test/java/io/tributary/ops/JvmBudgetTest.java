package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class JvmBudgetTest {
    @Test
    void everyDeployableStatesItsHeapAndTheJvmsOwnMemory() {
        for (String d : List.of("capture-postgres", "capture-sqlite", "transform", "sink")) {
            List<String> flags = JvmBudget.flags(d);
            assertEquals(1, flags.stream().filter(f -> f.matches("-Xmx\\d+[mg]")).count(), d + ": one heap size in " + flags);
            for (String bound : List.of("-XX:MaxMetaspaceSize=", "-XX:ReservedCodeCacheSize=", "-XX:MaxDirectMemorySize=", "-Xss")) {
                assertTrue(flags.stream().anyMatch(f -> f.startsWith(bound)), d + " bounds " + bound + " in " + flags);
            }
            assertTrue(flags.stream().noneMatch(f -> f.contains("${")), d + ": every property Maven was to fill is filled: " + flags);
        }
    }

    @Test
    void anUnknownDeployableIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JvmBudget.flags("reconcile"));
        assertTrue(e.getMessage().contains("transform"), e.getMessage());
    }
}
