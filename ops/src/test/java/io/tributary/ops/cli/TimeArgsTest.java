package io.tributary.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TimeArgsTest {
    @Test
    void durationsAsPeopleTypeThem() {
        assertEquals(Duration.ZERO, TimeArgs.duration("0"));
        assertEquals(Duration.ofMillis(500), TimeArgs.duration("500ms"));
        assertEquals(Duration.ofSeconds(10), TimeArgs.duration("10s"));
        assertEquals(Duration.ofDays(7), TimeArgs.duration("7d"));
        assertEquals(Duration.ofSeconds(90), TimeArgs.duration("PT1M30S"));
        CommandLine.TypeConversionException e = assertThrows(CommandLine.TypeConversionException.class, () -> TimeArgs.duration("ten"));
        assertTrue(e.getMessage().contains("10s"), e.getMessage());
    }

    @Test
    void instantsDatesAndAges() {
        assertEquals(Instant.parse("2025-01-31T12:00:00Z"), TimeArgs.instant("2025-01-31T12:00:00Z"));
        assertEquals(Instant.parse("2025-01-31T00:00:00Z"), TimeArgs.instant("2025-01-31"));
        Instant weekAgo = TimeArgs.instant("7d");
        assertTrue(Math.abs(Duration.between(weekAgo, Instant.now()).minusDays(7).toSeconds()) < 60, weekAgo.toString());
        assertThrows(CommandLine.TypeConversionException.class, () -> TimeArgs.instant("yesterday"));
    }
}
