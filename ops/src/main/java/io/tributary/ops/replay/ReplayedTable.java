package io.tributary.ops.replay;

/**
 * One table of a replay: records applied of those between the start and the end offsets, and the seconds
 * from the replay's start (to the moment it caught up, once it has).
 */
public record ReplayedTable(String table, long done, long total, double seconds) {
    public double perSecond() {
        return done / Math.max(seconds, 1e-3);
    }
}
