package io.tributary.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A main class (a deployable) run in a JVM of its own, on this JVM's class path, with its output in a log
 * file, so that a test can kill it as {@code kill -9} does ({@link #kill()}): no shutdown hook runs, so no
 * engine stop, no offset commit, no producer flush. In-process, a test could only stop it cleanly.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code main} with {@code args} and a heap of at most 512 MiB, enough for a deployable under test
     * and small enough for a busy CI machine; its standard output and error go to {@code log} (overwritten).
     */
    public static ChildJvm start(Class<?> main, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Its exit code; only once it has ended ({@link Process#exitValue}). */
    public int exitValue() {
        return process.exitValue();
    }

    /**
     * SIGKILL ({@link Process#destroyForcibly}), then waits at most 30 s until the process is gone.
     *
     * @throws AssertionError when it is still there after 30 s: a test cannot go on as if it had been killed
     */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the child JVM " + process.pid() + " still runs 30 s after SIGKILL; its log ends: " + logTail(2000));
        }
    }

    /** The last {@code chars} characters of its log, to say in a failure why it ended; a note when it cannot be read. */
    public String logTail(int chars) {
        try {
            String text = Files.readString(log);
            return text.substring(Math.max(0, text.length() - chars));
        } catch (IOException e) {
            return "no log (" + e + ")";
        }
    }

    /** Kills it when it still runs, so that a failed test leaves no process behind. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
