package io.tributary.ops.status;

import java.util.List;

/**
 * A pipeline's state at one moment, as {@code tributary status} prints it (text or {@code --json}).
 *
 * @param healthy true when every deployable answers and no table is failed or stuck: the exit code is 0
 */
record StatusReport(long atMs, boolean healthy, List<Deployable> deployables, List<Source> sources, List<Table> tables,
                    List<Service> services) {

    /**
     * One deployable's health endpoint: {@code up}, {@code failed} (answers, not live), {@code down} (no answer)
     * or {@code unknown} (the pipeline file gives it no fixed {@code http} port).
     */
    record Deployable(String name, String url, String state) {
    }

    /**
     * One source: its kind, and what it holds back on the source's disk: the replication slot's retained WAL
     * (PostgreSQL) or the WAL file's size (SQLite); null where unknown.
     */
    record Source(String name, String kind, Long slotRetainedWalBytes, Long sqliteWalBytes, String problem, long captureDeadLetters) {
    }

    /**
     * One table on its way to its owning service.
     *
     * @param state            snapshotting, streaming, waiting (no event yet), stuck (a stage has not consumed a
     *                         record older than the stuck threshold) or failed (a deployable it needs is down)
     * @param position         the source position of the newest captured event
     * @param secondsSinceEvent seconds since the capture wrote the newest event of the table (grows while the
     *                          source is idle or the capture is stuck)
     */
    record Table(String table, String service, String state, String position, Double secondsSinceEvent, Stage transform, Stage sink,
                 Long parked, Long quarantined) {
    }

    /**
     * How far a consuming stage is behind on one topic: offsets not consumed (Kafka's consumer-group lag), and
     * the age in seconds of the oldest record not consumed; both 0 when only transaction markers are left.
     */
    record Stage(String topic, long lagRecords, double lagSeconds) {
    }

    /** Dead-lettered records of a service, per stage. */
    record Service(String name, long transformDeadLetters, long sinkDeadLetters) {
    }
}
