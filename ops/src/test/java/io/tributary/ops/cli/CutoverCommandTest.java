package io.tributary.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.ops.cutover.CutoverOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code tributary cutover}'s options: the gates as the migration plans write them, and the usage errors (exit 2). */
class CutoverCommandTest {
    private final StringWriter err = new StringWriter();

    private CutoverOptions parse(String... args) {
        CommandLine cl = new CommandLine(new CutoverCommand());
        cl.setErr(new PrintWriter(err, true));
        cl.parseArgs(args);
        return ((CutoverCommand) cl.getCommand()).options();
    }

    @Test
    void takesTheGatesAsThePlansWriteThem() {
        CutoverOptions o = parse("--config", "p.yaml", "--service", "billing", "--max-mismatch-rate", "0.1%", "--max-lag", "1s",
                "--fence-timeout", "90s", "--settle", "0");
        assertEquals(0.001, o.reconcile().maxMismatchRate(), 1e-12);
        assertEquals(Duration.ofSeconds(1), o.maxLag());
        assertEquals(Duration.ofSeconds(90), o.fenceTimeout());
        assertEquals(Duration.ZERO, o.reconcile().settle());
    }

    @Test
    void defaultsAreStrictAndBounded() {
        CutoverOptions o = parse("--config", "p.yaml", "--service", "billing");
        assertEquals(0, o.reconcile().maxMismatchRate(), "every row equal");
        assertNull(o.maxLag(), "no lag gate unless asked for");
        assertEquals(Duration.ofMinutes(10), o.fenceTimeout(), "never an endless wait");
    }

    @Test
    void aRateIsAFractionOrAPercentage() {
        assertEquals(0.001, RateConverter.rate("0.001"), 1e-12);
        assertEquals(0.001, RateConverter.rate("0.1%"), 1e-12);
        assertEquals(0.05, RateConverter.rate(" 5 %"), 1e-12);
        assertEquals(1, RateConverter.rate("100%"), 1e-12);
        assertTrue(assertThrows(CommandLine.TypeConversionException.class, () -> RateConverter.rate("lots")).getMessage()
                .contains("0.1%"), "says how to write a rate");
        assertThrows(CommandLine.TypeConversionException.class, () -> RateConverter.rate("150%"));
        assertThrows(CommandLine.TypeConversionException.class, () -> RateConverter.rate("-0.1"));
    }

    @Test
    void badOptionsExit2NamingThem() {
        CommandLine cl = TributaryCommand.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(2, cl.execute("cutover", "--config", "p.yaml", "--service", "billing", "--max-mismatch-rate", "150%"));
        assertTrue(err.toString().contains("--max-mismatch-rate"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, cl.execute("cutover", "--config", "p.yaml", "--service", "billing", "--max-lag", "soon"));
        assertTrue(err.toString().contains("--max-lag"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, cl.execute("cutover", "--config", "p.yaml"));
        assertTrue(err.toString().contains("--service"), err.toString());
    }
}
