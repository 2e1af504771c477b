package io.tributary.common.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.schemas.registry.RegistryException;
import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.Ports;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A capture's wait for an unreachable registry: retried and counted, other failures thrown at once, ended by close. */
class RegistryWaitTest {
    private final Counter failures = new SimpleMeterRegistry().counter("tributary.errors", "kind", "retriable");

    /** A real client's failure: nothing listens on the port. */
    private static RegistryException unreachable() throws Exception {
        return assertThrows(RegistryException.class, new SchemaRegistryClient("http://127.0.0.1:" + Ports.free())::check);
    }

    @Test
    void retriesAnUnreachableRegistryCountingEachFailure() throws Exception {
        RegistryException down = unreachable();
        AtomicInteger calls = new AtomicInteger();
        int id = new RegistryWait("test", failures).call("register", () -> {
            if (calls.incrementAndGet() <= 2) {
                throw down;
            }
            return 42;
        });
        assertEquals(42, id);
        assertEquals(3, calls.get());
        assertEquals(2.0, failures.count());
    }

    @Test
    void throwsOtherFailuresAtOnce() {
        IllegalStateException bad = new IllegalStateException("not the registry");
        RegistryWait wait = new RegistryWait("test", failures);
        assertSame(bad, assertThrows(IllegalStateException.class, () -> wait.call("register", () -> {
            throw bad;
        })));
        assertEquals(0.0, failures.count());
    }

    @Test
    void closeEndsTheWaitWithTheLastFailure() throws Exception {
        RegistryException down = unreachable();
        RegistryWait wait = new RegistryWait("test", failures);
        wait.close();
        assertSame(down, assertThrows(RegistryException.class, () -> wait.call("register", () -> {
            throw down;
        })));
    }

    @Test
    void noneThrowsAtOnce() throws Exception {
        RegistryException down = unreachable();
        assertSame(down, assertThrows(RegistryException.class, () -> RegistryWait.none().call("register", () -> {
            throw down;
        })));
    }
}
