package io.tributary.common.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.sql.Identifiers;
import io.tributary.schemas.event.TableSchema;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BookkeepingTest {
    @Test
    void theNamesExistingTargetsHold() {
        assertEquals("_tributary_pos", Bookkeeping.POSITION);
        assertEquals("_tributary_deleted", Bookkeeping.DELETED);
        assertEquals("_tributary_floor", Bookkeeping.FLOOR);
        assertEquals("_tributary_parked", Bookkeeping.PARKED);
        assertEquals("_tributary_quarantine", Bookkeeping.QUARANTINE);
        assertEquals("_tributary_history", Bookkeeping.HISTORY);
        assertEquals("_tributary_del_items", Bookkeeping.deletesTable("items"));
    }

    @Test
    void longTableNamesGetDistinctDeletesTablesThatPostgresKeepsWhole() {
        String a = Bookkeeping.deletesTable("x".repeat(50) + "_history_2023");
        String b = Bookkeeping.deletesTable("x".repeat(50) + "_history_2024");
        String c = Bookkeeping.deletesTable("ü".repeat(30));
        for (String name : new String[] {a, b, c}) {
            assertTrue(name.getBytes(StandardCharsets.UTF_8).length <= Identifiers.POSTGRES_MAX_BYTES, name);
        }
        assertNotEquals(a, b);
        // the names targets already hold: a different shortening would lose their remembered deletes
        assertEquals("_tributary_del_xxxxxxxxxxxxxxxxxxxxxxxxx_7f9a58a9", a);
        assertEquals("_tributary_del_üüüüüüüüüüüü_493cf880", c);
    }

    @Test
    void onlyBookkeepingColumnsAreBookkeepingNotTheRowidContractColumn() {
        assertTrue(Bookkeeping.isColumn(Bookkeeping.POSITION));
        assertTrue(Bookkeeping.isColumn(Bookkeeping.DELETED));
        assertFalse(Bookkeeping.isColumn(TableSchema.ROWID_COLUMN), "the rowid is a SQLite table's key: source data");
        assertFalse(Bookkeeping.isColumn("pos"));
    }
}
