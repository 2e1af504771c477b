package io.tributary.sink.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import org.junit.jupiter.api.Test;

class TargetTypesTest {
    private static String wanted(ColumnType type, String declared) {
        return TargetTypes.wanted(new Column("c", type, declared, true));
    }

    @Test
    void aDeclaredTypeTheContractHasNoColumnForIsWanted() {
        assertEquals("mood", wanted(ColumnType.TEXT, "MOOD"));
        assertEquals("positive_int", wanted(ColumnType.INT32, "POSITIVE_INT"), "a domain travels as its base type");
        assertEquals("money", wanted(ColumnType.DECIMAL, "MONEY"));
        assertEquals("interval", wanted(ColumnType.TEXT, "INTERVAL"));
        assertEquals("bit(4)", wanted(ColumnType.TEXT, "BIT(4)"));
        assertEquals("int4[]", wanted(ColumnType.TEXT, "_INT4"));
        assertEquals("text[]", wanted(ColumnType.TEXT, "_TEXT"), "an array is never the contract's own column");
        assertEquals("numeric(10,2)[]", wanted(ColumnType.TEXT, "_NUMERIC(10,2)"), "an array's size is its element's");
    }

    @Test
    void theContractsOwnTypesAndOddNamesAreNot() {
        assertNull(wanted(ColumnType.TEXT, "VARCHAR(20)"));
        assertNull(wanted(ColumnType.DECIMAL, "NUMERIC(18,8)"));
        assertNull(wanted(ColumnType.INT64, "INT8"));
        assertNull(wanted(ColumnType.JSON, "JSONB"));
        assertNull(wanted(ColumnType.TIMESTAMPTZ, "TIMESTAMPTZ"));
        assertNull(wanted(ColumnType.TEXT, null));
        assertNull(wanted(ColumnType.TEXT, "x; DROP TABLE t"), "never more than a type name reaches the DDL");
    }
}
