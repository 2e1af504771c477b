package io.tributary.ops.local.bench;

import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * How the bench treats a deployable it has just started, each time it looks at it (every 500 ms) until its
 * start-up is over: as a supervisor (systemd, Kubernetes) would. One that exits before it answers (a start-up
 * check that gave up on a broker starved by other builds, load average 28-40) is started again, at most
 * {@value #ATTEMPTS} starts in all; one that answers is started; one that does not answer within
 * {@value #SECONDS} s of its start is left running, to be judged by what it does. A deployable that has exited
 * for good is reported afterwards by {@code Deployables.failure()}.
 *
 * <p>Apart from {@link Deployables}, which starts the processes, so that the rules can be tested without them.
 */
final class StartPolicy {
    /** Starts of one deployable at most: the first and seven more. */
    static final int ATTEMPTS = 8;
    /** How long each start is waited for, from that start. */
    static final int SECONDS = 120;

    /** What to do with the deployable next. */
    enum Next {
        /** Its start-up is over: it answers, it ran out of time, or it exited at its last start. */
        STOP_WAITING,
        /** It exited before it answered and has starts left: keep its log and start it again. */
        START_AGAIN,
        /** It runs and does not answer yet: look again later. */
        KEEP_WAITING
    }

    private StartPolicy() {
    }

    /**
     * What to do with the {@code attempt}th start (from 1) of a deployable, whether its process has
     * {@code exited}. {@code answers} (it serves its /metrics: an HTTP request) is only asked of a process
     * that runs, and {@code late} (its {@value #SECONDS} s are over) only after it.
     */
    static Next next(int attempt, boolean exited, BooleanSupplier answers, BooleanSupplier late) {
        if (!exited && answers.getAsBoolean() || late.getAsBoolean() || exited && attempt >= ATTEMPTS) {
            return Next.STOP_WAITING;
        }
        return exited ? Next.START_AGAIN : Next.KEEP_WAITING;
    }

    /** Where the log of the {@code attempt}th start is kept when it is started again: {@code <log>.<attempt>}. */
    static Path keptLog(Path log, int attempt) {
        return log.resolveSibling(log.getFileName() + "." + attempt);
    }

    /** The line the bench prints when it starts {@code name} again. */
    static String startAgainLine(String name, int exitCode, Path keptLog) {
        return String.format("  %s exited at start (code %d, see %s); starting it again", name, exitCode, keptLog);
    }
}
