package io.tributary.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RegistryOutageTest {
    @Test
    void backsOffDoublingUpToTenSecondsThenGivesUpAfterRetryFor() {
        RegistryOutage outage = new RegistryOutage(Duration.ofMinutes(1));
        long t = 1_000_000;
        assertEquals(500, outage.failed(t));
        assertEquals(1000, outage.failed(t + 1000));
        assertEquals(2000, outage.failed(t + 2000));
        assertEquals(4000, outage.failed(t + 3000));
        assertEquals(8000, outage.failed(t + 4000));
        assertEquals(10_000, outage.failed(t + 5000));
        assertEquals(10_000, outage.failed(t + 59_999));
        assertEquals(-1, outage.failed(t + 60_000), "an outage as long as retry-for stops the transform");
    }

    @Test
    void aQuietSpellEndsTheOutage() {
        RegistryOutage outage = new RegistryOutage(Duration.ofMinutes(1));
        long t = 1_000_000;
        outage.failed(t);
        outage.failed(t + 50_000);
        long later = t + 50_000 + RegistryOutage.QUIET.toMillis() + 1;
        assertEquals(500, outage.failed(later), "a failure after a quiet spell starts a new outage with a short backoff");
        assertEquals(1000, outage.failed(later + 59_000));
    }
}
