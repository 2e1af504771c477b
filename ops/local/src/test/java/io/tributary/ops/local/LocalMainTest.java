package io.tributary.ops.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** bin/tributary's own command line: the deployables' commands plus the local tools, each with help. */
class LocalMainTest {
    @Test
    void theLocalToolsJoinTheDeployablesCommands() {
        for (String name : new String[] {"demo", "bench", "sink", "capture-sqlite"}) {
            StringWriter out = new StringWriter();
            CommandLine cl = LocalMain.commandLine();
            cl.setOut(new PrintWriter(out, true));
            assertEquals(0, cl.execute(name, "--help"), name);
            assertTrue(out.toString().contains("Usage: tributary " + name), out.toString());
        }
        StringWriter err = new StringWriter();
        CommandLine cl = LocalMain.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(2, cl.execute("demo", "--seconds", "many"));
        assertTrue(err.toString().contains("--seconds"), err.toString());
    }
}
