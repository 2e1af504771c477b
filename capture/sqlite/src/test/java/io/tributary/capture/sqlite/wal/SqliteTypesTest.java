package io.tributary.capture.sqlite.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.capture.sqlite.wal.SqliteTypes.Affinity;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Declared type -> affinity -> contract type -> normalized type, and how stored values travel. */
class SqliteTypesTest {

    /** SQLite's own examples of affinity by declared type, and the rules' order (INT before the rest). */
    @ParameterizedTest(name = "''{0}'' has {1} affinity")
    @CsvSource({
        "INT, INTEGER", "INTEGER, INTEGER", "TINYINT, INTEGER", "SMALLINT, INTEGER", "MEDIUMINT, INTEGER", "BIGINT, INTEGER",
        "UNSIGNED BIG INT, INTEGER", "INT2, INTEGER", "INT8, INTEGER", "FLOATING POINT, INTEGER", "CHARINT, INTEGER",
        "CHARACTER(20), TEXT", "VARCHAR(255), TEXT", "VARYING CHARACTER(255), TEXT", "NCHAR(55), TEXT",
        "NATIVE CHARACTER(70), TEXT", "NVARCHAR(100), TEXT", "TEXT, TEXT", "CLOB, TEXT",
        "BLOB, BLOB", "'', BLOB",
        "REAL, REAL", "DOUBLE, REAL", "DOUBLE PRECISION, REAL", "FLOAT, REAL",
        "NUMERIC, NUMERIC", "'DECIMAL(10,5)', NUMERIC", "BOOLEAN, NUMERIC", "DATE, NUMERIC", "DATETIME, NUMERIC",
        "STRING, NUMERIC", "JSON, NUMERIC"})
    void affinityFollowsSqlitesRules(String declared, Affinity expected) {
        assertEquals(expected, SqliteTypes.affinity(declared));
    }

    @ParameterizedTest(name = "''{0}'' travels as {1}, meaning {2}")
    @CsvSource({
        "INTEGER, INT64, ", "bigint, INT64, ", "BOOLEAN, INT64, BOOLEAN", "bool, INT64, BOOLEAN",
        "TEXT, TEXT, ", "VARCHAR(16), TEXT, ", "DATETIME, TEXT, TIMESTAMPTZ", "TIMESTAMP, TEXT, TIMESTAMPTZ",
        "DATE, TEXT, DATE", "JSON, TEXT, JSON", "JSONB, TEXT, JSON", "UUID, TEXT, ",
        "REAL, FLOAT64, ", "DOUBLE PRECISION, FLOAT64, ", "'DECIMAL(18,8)', DECIMAL, ", "NUMERIC, DECIMAL, ",
        "BLOB, BYTES, "})
    void contractAndNormalizedTypes(String declared, ColumnType type, ColumnType meaning) {
        assertEquals(type, SqliteTypes.contractType(declared));
        assertEquals(meaning, SqliteTypes.normalizedType(declared));
    }

    /**
     * A column declared without a type has BLOB affinity: SQLite stores its values as given. It travels as
     * BYTES, as a BLOB column does (it used to travel as TEXT, and a BLOB in it stopped the capture).
     */
    @Test
    void aColumnWithoutADeclaredTypeTravelsAsBytes() {
        assertEquals(Affinity.BLOB, SqliteTypes.affinity(""));
        assertEquals(ColumnType.BYTES, SqliteTypes.contractType(""));
        assertNull(SqliteTypes.normalizedType(""));
        Column u = new Column("u", SqliteTypes.contractType(""), null, true);
        TableSchema t = new TableSchema(new TableRef("s", "main", "t"), List.of(u), List.of());
        assertEquals(ByteBuffer.wrap(new byte[] {1, 2}), SqliteTypes.contractValue(new byte[] {1, 2}, u, t));
        assertEquals(ByteBuffer.wrap("x".getBytes(StandardCharsets.UTF_8)), SqliteTypes.contractValue("x", u, t));
    }

    @Test
    void valuesThatDoNotFitTheirColumnAreRefusedNamingTheColumn() {
        TableRef ref = new TableRef("s", "main", "t");
        Column n = new Column("n", ColumnType.INT64, "INTEGER", true);
        Column s = new Column("s", ColumnType.TEXT, "TEXT", true);
        TableSchema t = new TableSchema(ref, List.of(n, s), List.of());
        assertEquals(7L, SqliteTypes.contractValue(7, n, t));
        assertEquals("1.5", SqliteTypes.contractValue(1.5, new Column("d", ColumnType.DECIMAL, "DECIMAL", true), t));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SqliteTypes.contractValue("x", n, t));
        assertTrue(e.getMessage().contains("s.main.t.n") && e.getMessage().contains("'INTEGER'"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> SqliteTypes.contractValue(new byte[] {1}, s, t));
    }
}
