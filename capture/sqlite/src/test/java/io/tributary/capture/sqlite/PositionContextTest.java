package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.capture.sqlite.wal.WalPosition;
import io.tributary.schemas.event.Position;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Generations per table: one table snapshotted alone moves on, the others stay, and everything survives a restart. */
class PositionContextTest {
    @Test
    void aTableSnapshottedAloneGetsANewerGenerationAndItsLaterChangesWinOverItsSnapshotRows() {
        PositionContext p = new PositionContext("src");
        p.startGeneration(new WalPosition(0, 1, 2, 10));
        long all = p.generation();
        p.enter(new WalPosition(0, 1, 2, 20));
        Position before = p.streamedRow("runs", 1);
        long runs = p.startTableGeneration("runs");
        Position snapshotRow = p.snapshotRow("runs", 1);
        p.enter(new WalPosition(0, 1, 2, 30));
        Position after = p.streamedRow("runs", 1);
        assertTrue(runs > all);
        assertEquals(all, p.generation("other"), "the other tables keep theirs");
        assertEquals(all, p.streamedRow("other", 1).parts()[0]);
        assertTrue(before.compareTo(snapshotRow) < 0 && snapshotRow.compareTo(after) < 0, before + " " + snapshotRow + " " + after);
        p.enter(new WalPosition(1, 5, 6, 1)); // a WAL restart: the next epoch, frames from 1 again
        assertTrue(after.compareTo(p.streamedRow("runs", 1)) < 0);
    }

    @Test
    void aSnapshotOfEveryTableIsNewerThanAnyTablesOwn() {
        PositionContext p = new PositionContext("src");
        p.startGeneration(null);
        long runs = p.startTableGeneration("runs");
        p.startGeneration(null);
        assertTrue(p.generation() > runs);
        assertEquals(p.generation(), p.generation("runs"));
    }

    @Test
    void theTablesGenerationsAreStoredWithThePositionAndRestored() {
        TailPosition stored = new TailPosition(100, 2, new WalPosition(0, 1, 2, 30), true, Map.of("runs", 150L));
        TailPosition read = TailPosition.fromValue(stored.toValue());
        assertEquals(stored, read);
        PositionContext resumed = new PositionContext("src");
        resumed.resume(read);
        assertEquals(150, resumed.generation("runs"));
        assertEquals(100, resumed.generation("other"));
        PositionContext superseded = new PositionContext("src");
        superseded.supersede(read);
        superseded.startGeneration(null);
        assertTrue(superseded.generation() > 150, "a new snapshot after a gap is newer than every table's generation");
    }

    /**
     * A resync keeps every table's generation and is newer than all written before it (a later WAL epoch, even
     * at a lower commit frame), older than what streams after it; one cut short and taken again is newer still.
     */
    @Test
    void aResyncIsNewerThanEverythingBeforeItAndOlderThanTheStreamAfterIt() {
        PositionContext p = new PositionContext("src");
        p.startGeneration(new WalPosition(0, 1, 2, 10));
        long runs = p.startTableGeneration("runs");
        p.enter(new WalPosition(0, 1, 2, 900));
        Position lastBefore = p.streamedRow("runs", 7);
        PositionContext restarted = new PositionContext("src");
        restarted.resume(TailPosition.fromValue(new TailPosition(p.generation(), 0, null, true, Map.of("runs", runs)).toValue()));
        restarted.startResync(new WalPosition(0, 9, 9, 3)); // a new WAL, checkpointed while nobody watched
        Position resynced = restarted.resyncRow("runs", 1);
        assertEquals(runs, resynced.parts()[0], "the table keeps its generation: nothing for a sink to sweep");
        assertTrue(lastBefore.compareTo(resynced) < 0, lastBefore + " then " + resynced);
        assertTrue(resynced.compareTo(restarted.resyncRow("runs", 2)) < 0);
        Position lastResynced = restarted.resyncRow("runs", 5_000_000);
        restarted.enter(new WalPosition(0, 9, 9, 4));
        assertTrue(lastResynced.compareTo(restarted.streamedRow("runs", 1)) < 0, "the stream after it wins");
        PositionContext again = new PositionContext("src");
        again.resume(new TailPosition(restarted.generation(), 1, null, true, Map.of("runs", runs)));
        again.startResync(null);
        assertTrue(lastResynced.compareTo(again.resyncRow("runs", 1)) < 0, "a resync taken again is newer");
    }
}
