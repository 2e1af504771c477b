package io.tributary.capture.sqlite.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CreateTableParserTest {
    @Test
    void columnsTypesDefaultsAndRowidAlias() throws Exception {
        TableDef t = CreateTableParser.parse("t", 2, """
                CREATE TABLE IF NOT EXISTS main."t" ( -- comment
                  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
                  [weird name] VARCHAR(10, 2) NOT NULL DEFAULT 'it''s',
                  n INT DEFAULT -42 CHECK (n > (0)),
                  r DOUBLE PRECISION DEFAULT 3, /* another */
                  t TEXT DEFAULT 7,
                  b BLOB DEFAULT x'00ff',
                  p REFERENCES other(id) ON DELETE SET DEFAULT,
                  ts TEXT DEFAULT CURRENT_TIMESTAMP,
                  g INTEGER GENERATED ALWAYS AS (n * 2) VIRTUAL,
                  s INTEGER AS (n + 1) STORED,
                  CONSTRAINT u UNIQUE (n, r)
                )""");
        assertEquals(List.of("id", "weird name", "n", "r", "t", "b", "p", "ts", "s"), t.columnNames());
        assertEquals(0, t.rowidColumn);
        assertFalse(t.withoutRowid);
        assertEquals("it's", t.columns.get(1).defaultValue());
        assertEquals("VARCHAR(10, 2)", t.columns.get(1).declaredType(), "the declared type as SQLite keeps it");
        assertTrue(t.columns.get(1).notNull());
        assertFalse(t.columns.get(2).notNull());
        assertEquals("DOUBLE PRECISION", t.columns.get(3).declaredType());
        assertEquals("CURRENT_TIMESTAMP", t.columns.get(7).defaultExpression(), "a time default is not a constant");
        assertTrue(t.columns.get(8).generated(), "a STORED generated column is stored, and marked");
        assertEquals(List.of("id"), t.primaryKey());
        assertEquals(-42L, t.columns.get(2).defaultValue());
        assertEquals(3.0, t.columns.get(3).defaultValue());
        assertEquals(SqliteTypes.Affinity.REAL, t.columns.get(3).affinity());
        assertEquals("7", t.columns.get(4).defaultValue());
        assertArrayEquals(new byte[] {0, (byte) 0xff}, (byte[]) t.columns.get(5).defaultValue());
        assertNull(t.columns.get(6).defaultValue(), "SET DEFAULT in a foreign key is not a default");
        assertEquals(SqliteTypes.Affinity.BLOB, t.columns.get(6).affinity());
        assertNull(t.columns.get(7).defaultValue());
    }

    @Test
    void rowidAliasQuirks() throws Exception {
        assertEquals(-1, CreateTableParser.parse("t", 2, "CREATE TABLE t (id INTEGER PRIMARY KEY DESC, v)").rowidColumn);
        assertEquals(0, CreateTableParser.parse("t", 2, "CREATE TABLE t (id INTEGER, v, PRIMARY KEY (id DESC))").rowidColumn);
        assertEquals(-1, CreateTableParser.parse("t", 2, "CREATE TABLE t (id INT PRIMARY KEY, v)").rowidColumn);
        assertEquals(-1, CreateTableParser.parse("t", 2, "CREATE TABLE t (a INTEGER, b INTEGER, PRIMARY KEY (a, b))").rowidColumn);
    }

    @Test
    void withoutRowidRecordLayoutPutsTheKeyFirst() throws Exception {
        TableDef t = CreateTableParser.parse("w", 3,
                "CREATE TABLE w (a TEXT, b INT, c, d TEXT COLLATE nocase, PRIMARY KEY (d, b DESC)) WITHOUT ROWID, STRICT");
        assertTrue(t.withoutRowid);
        assertArrayEquals(new int[] {3, 1}, t.keyColumns);
        assertArrayEquals(new boolean[] {false, true}, t.keyDescending);
        assertArrayEquals(new int[] {3, 1, 0, 2}, t.recordToColumn);
        assertEquals("NOCASE", t.columns.get(3).collation());
        assertEquals(List.of("d", "b"), t.keyNames());
    }

    @Test
    void rejectsWhatItCannotRead() {
        assertThrows(WalFormatException.class, () -> CreateTableParser.parse("x", 2, "CREATE TABLE x (a, b) WITHOUT ROWID"));
        assertThrows(WalFormatException.class, () -> CreateTableParser.parse("x", 2, "CREATE TABLE x (a 'unterminated)"));
        assertThrows(WalFormatException.class, () -> CreateTableParser.parse("x", 2, "CREATE VIEW x AS SELECT 1"));
    }
}
