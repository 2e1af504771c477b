package io.tributary.common.app;

/**
 * One running stage of the pipeline (a capture, the transform, a sink). {@link AppRunner} starts it after
 * the config and the servers it needs have been checked, and closes it on SIGTERM.
 */
public interface Deployable extends AutoCloseable {
    /** Starts the work in background threads and returns. */
    void start() throws Exception;

    /** True once the stage is doing its job (connected, assigned, streaming). */
    boolean ready();

    /** True while the stage can still make progress; false after a fatal error. */
    default boolean alive() {
        return true;
    }

    /** True once a stage with a finite job (a one-off snapshot) has completed it; the process then exits 0. */
    default boolean finished() {
        return false;
    }

    @Override
    void close();
}
