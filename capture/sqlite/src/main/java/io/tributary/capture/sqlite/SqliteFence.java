package io.tributary.capture.sqlite;

import io.tributary.capture.sqlite.wal.WalEnd;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.io.IOException;

/**
 * A SQLite source's fence for {@code tributary cutover}: the end of its WAL when the fence is read
 * ({@link WalEnd}), and whether capture-sqlite has since stored a position at or past it ({@link TailPosition},
 * which it writes in the same Kafka transaction as the events up to it: a stored position past the fence means
 * every event up to the fence is in Kafka).
 *
 * <p>Passed when the capture's stored position, with its snapshot done, is (1) in the fence's WAL epoch at or
 * after its last committed frame, (2) in a later WAL epoch than the one it had in the fence's epoch (it
 * follows epochs in order; a position not in the fence's epoch when the fence is read is in the epoch just
 * before it, since SQLite cannot restart the WAL past frames the capture pins), or (3) of a newer snapshot generation than when the fence was read (a snapshot
 * is taken at the WAL's end of its time). Never while a resync is being written (its events up to the WAL's end
 * are not all in Kafka yet). A WAL without frames at the fence (none yet, or just restarted)
 * leaves nothing after the database file, which the running capture has read: any stored position with
 * its snapshot done passes then. Not guaranteed: a capture that was down while the WAL restarted is not
 * told apart in that last case (it takes a new snapshot when it starts).
 */
public final class SqliteFence implements AutoCloseable {
    private final String source;
    private final WalEnd end;
    private final TailPosition start;
    /** Reads the capture's stored position, one consumer for the fence's life; null in unit tests. */
    private final TailPosition.Reader positions;
    private long epochInFence;

    SqliteFence(String source, WalEnd end, TailPosition start) {
        this(source, end, start, null);
    }

    private SqliteFence(String source, WalEnd end, TailPosition start, TailPosition.Reader positions) {
        this.source = source;
        this.positions = positions;
        this.end = end;
        this.start = start;
        // the capture pins the frames it has not committed to Kafka, so SQLite cannot restart the WAL past them:
        // a stored position not in the fence's epoch is in the one just before it
        this.epochInFence = start == null || end == null ? 0 : end.sameEpoch(start.wal()) ? start.epoch() : start.epoch() + 1;
    }

    /**
     * Reads the fence of {@code source} now: the capture's stored position first, then the WAL's end. The fence
     * keeps its reader of the stored positions until {@link #close()}.
     */
    public static SqliteFence read(PipelineConfig config, SchemaRegistryClient registry, PipelineConfig.Source source)
            throws IOException, InterruptedException {
        TailPosition.Reader positions = new TailPosition.Reader(config.kafka(), registry, source.name());
        try {
            TailPosition stored = positions.latest();
            return new SqliteFence(source.name(), WalEnd.read(source.sqlite().path()), stored, positions);
        } catch (IOException | InterruptedException | RuntimeException e) {
            positions.close();
            throw e;
        }
    }

    /** Whether the capture's stored position has passed the fence now. */
    public boolean passed() {
        if (positions == null) {
            throw new IllegalStateException("a fence of source " + source + " made without a reader of its positions; use SqliteFence.read");
        }
        return passed(positions.latest());
    }

    boolean passed(TailPosition now) {
        if (now == null || !now.snapshotDone() || now.resyncing()) {
            return false;
        }
        if (start == null || now.generation() > start.generation() || end == null || end.lastFrame() == 0) {
            return true;
        }
        if (end.sameEpoch(now.wal())) {
            epochInFence = now.epoch();
            return now.wal().commitFrame() >= end.lastFrame();
        }
        return now.epoch() > epochInFence;
    }

    /** Closes the reader of the stored positions. */
    @Override
    public void close() {
        if (positions != null) {
            positions.close();
        }
    }

    /** The fence as an operator reads it. */
    @Override
    public String toString() {
        return end == null ? "WAL empty" : "WAL salts " + end.salt1() + "/" + end.salt2() + " frame " + end.lastFrame();
    }
}
