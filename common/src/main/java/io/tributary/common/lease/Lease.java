package io.tributary.common.lease;

/**
 * The right to be the one active instance of a capture. A second instance started beside the active one
 * (another host, another container) waits as a standby, trying the lease, and takes over once the active one
 * is gone: its lease dies with its process (a PostgreSQL session, an operating-system file lock), so a
 * {@code kill -9} frees it at once. The capture's stored position makes the take-over exact.
 */
public interface Lease extends AutoCloseable {
    /** A lease nobody else can hold: for deployables that need none. */
    Lease NONE = new Lease() {
        @Override
        public boolean tryAcquire() {
            return true;
        }

        @Override
        public boolean held() {
            return true;
        }

        @Override
        public String describe() {
            return "no lease";
        }

        @Override
        public void close() {
        }
    };

    /** Takes the lease if it is free (or already ours); false while another instance holds it. Never blocks for long. */
    boolean tryAcquire() throws Exception;

    /** Whether the lease is still ours (false once the connection or lock behind it is gone). */
    boolean held();

    /** What the lease is, for the logs: e.g. {@code advisory lock of source 'monolith'}. */
    String describe();

    /** Gives the lease up. */
    @Override
    void close();

    /** All of {@code leases} or none: one instance never holds part of another's sources. */
    static Lease allOf(java.util.List<Lease> leases) {
        return leases.size() == 1 ? leases.get(0) : new AllOf(leases);
    }
}
