package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.capture.sqlite.wal.WalEnd;
import io.tributary.capture.sqlite.wal.WalPosition;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a SQLite source's cutover fence counts as passed by the capture's stored position. */
class SqliteFenceTest {
    private static final WalEnd END = new WalEnd(7, 9, 120);

    private static TailPosition at(long generation, long epoch, long salt1, long frame, boolean snapshotDone) {
        return new TailPosition(generation, epoch, new WalPosition(3, salt1, salt1 == 7 ? 9 : 1, frame), snapshotDone, Map.of());
    }

    @Test
    void passesAtTheFenceFrameOfItsEpochAndNotBefore() {
        SqliteFence fence = new SqliteFence("app", END, at(1, 0, 7, 80, true));
        assertFalse(fence.passed(at(1, 0, 7, 119, true)));
        assertTrue(fence.passed(at(1, 0, 7, 120, true)));
        assertFalse(fence.passed(null), "nothing stored");
        assertFalse(fence.passed(at(1, 0, 7, 130, false)), "a snapshot still being written");
    }

    @Test
    void aLaterWalEpochPassesAndTheEpochBeforeTheFenceDoesNot() {
        SqliteFence behind = new SqliteFence("app", END, at(1, 4, 5, 300, true));
        assertFalse(behind.passed(at(1, 4, 5, 400, true)), "still in the epoch before the fence's");
        assertFalse(behind.passed(at(1, 5, 7, 100, true)), "in the fence's epoch, before its frame");
        assertTrue(behind.passed(at(1, 6, 11, 2, true)), "the epoch after the fence's");
        SqliteFence inEpoch = new SqliteFence("app", END, at(1, 5, 7, 10, true));
        assertTrue(inEpoch.passed(at(1, 6, 11, 1, true)));
    }

    @Test
    void aNewSnapshotOrAnEmptyWalPasses() {
        assertTrue(new SqliteFence("app", END, at(1, 0, 7, 10, true)).passed(at(2, 0, 5, 1, true)), "a newer generation");
        assertTrue(new SqliteFence("app", END, null).passed(at(2, 0, 7, 1, true)), "the first snapshot after the fence");
        assertTrue(new SqliteFence("app", null, at(1, 0, 7, 10, true)).passed(at(1, 0, 7, 10, true)), "no WAL content");
        assertTrue(new SqliteFence("app", new WalEnd(8, 1, 0), at(1, 0, 7, 10, true)).passed(at(1, 0, 7, 10, true)), "a restarted, empty WAL");
    }

    @Test
    void aResyncPassesOnlyOnceItIsWritten() {
        SqliteFence fence = new SqliteFence("app", END, at(1, 0, 7, 80, true));
        TailPosition writing = new TailPosition(1, 1, null, true, Map.of(), true);
        assertFalse(fence.passed(TailPosition.fromValue(writing.toValue())), "a resync still being written (stored without its WAL position)");
        assertTrue(fence.passed(at(1, 1, 7, 120, true)), "the resync written, at the WAL's end it read at");
    }
}
