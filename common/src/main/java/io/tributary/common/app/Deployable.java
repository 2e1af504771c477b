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

    /**
     * What makes this instance the only active one (a capture's lease on its sources); {@link AppRunner} holds it
     * before {@link #start()}, waiting as a standby while another instance has it. None by default: the
     * transform and the sink share their work through Kafka consumer groups instead.
     */
    default io.tributary.common.lease.Lease lease() {
        return io.tributary.common.lease.Lease.NONE;
    }

    /** True once a stage with a finite job (a one-off snapshot) has completed it; the process then exits 0. */
    default boolean finished() {
        return false;
    }

    @Override
    void close();
}
