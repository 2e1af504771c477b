package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pins' hand-over on a real SQLite file. */
class WalPinsTest {
    @TempDir
    Path dir;

    /**
     * A poll that fails between {@code holdNext} and {@code releasePrevious} leaves both read transactions
     * held; the recovery snapshot's {@code holdNext} then takes the older connection, and must read the
     * database as it is now, not as that older read transaction saw it (it once did: the transactions in
     * between were in neither the snapshot nor the stream).
     */
    @Test
    void aPinTakenAfterAFailedHandOverReadsTheCurrentState() throws Exception {
        Path db = dir.resolve("app.db");
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            s.execute("INSERT INTO t VALUES (1)");
            try (WalPins pins = new WalPins(db, new LockWaits("test", new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), () -> true))) {
                pins.holdNext(); // streaming's pin
                s.execute("INSERT INTO t VALUES (2)");
                pins.holdNext(); // the hand-over begins ... and the poll fails: releasePrevious is never called
                s.execute("INSERT INTO t VALUES (3)");
                Connection snapshot = pins.holdNext(); // the recovery snapshot's read transaction
                assertEquals(3, count(snapshot), "the snapshot reads every committed row");
                pins.releasePrevious();
                assertEquals(3, count(pins.held()));
            }
        }
    }

    private static long count(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
