package io.tributary.capture.sqlite.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A row written before {@code ALTER TABLE ADD COLUMN ... DEFAULT x} has no field for the column; SQLite reads
 * the default, evaluated under the column's affinity. The decoder must read the same value, storage class
 * and bits, from the {@code CREATE TABLE} text alone. SQLite itself is the oracle: every declared type
 * below times every literal SQLite accepts there, as columns of one table, compared with {@code SELECT}.
 */
class DeclaredDefaultsTest {
    private static final List<String> TYPES = List.of("INTEGER", "TEXT", "REAL", "NUMERIC", "BLOB", "", "BOOLEAN",
            "DATETIME", "VARCHAR(5)", "DECIMAL(10,2)");
    private static final List<String> LITERALS = List.of("5", "-5", "+5", "- 5", "007", "0x10", "-0x10", "0x7fffffffff",
            "0xffffffffffffffff", "12345678901", "0012345678901", "2147483648", "-9223372036854775808",
            "9223372036854775808", "100000000000000000000", "2.0", "-0.0", "1e20", "1E20", "1.5", ".5", "5.", "0.1",
            "1e999", "-1e999", "1_000", "1_000.5", "9223372036854775807.0", "-9223372036854775808.0",
            "'7'", "' 7 '", "'7e2'", "'1.50'", "'abc'", "'Infinity'", "'0x10'", "'-0.0'", "'1e999'", "' +3'", "'3 x'",
            "'1.'", "'.5e1'", "'e5'", "'1e'", "'+'", "''", "'9007199254740993'", "'9007199254740993.0'", "'it''s'",
            "x'00ff'", "x''", "TRUE", "FALSE", "NULL", "(5)", "(-5)", "( - 5 )", "((5))", "(2.50)", "(-0.0)", "('x')",
            "abc", "\"abc\"", "'a' COLLATE NOCASE");

    @TempDir
    Path dir;

    @Test
    void theDecoderReadsEveryConstantDefaultAsSqliteDoes() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE u (id INTEGER PRIMARY KEY, v)", "INSERT INTO u VALUES (1, 'old')");
            List<String> columns = new ArrayList<>();
            for (String type : TYPES) {
                for (String literal : LITERALS) {
                    String column = "c" + columns.size();
                    db.exec("ALTER TABLE u ADD COLUMN " + column + " " + type + " DEFAULT " + literal);
                    columns.add(column + " " + type + " DEFAULT " + literal);
                }
            }
            Object[] sqlite = db.select("u", List.of("rowid")).get(List.of(1L));
            List<Object> decoded;
            try (WalDecoder d = WalDecoder.openAtEnd(db.path)) {
                db.exec("UPDATE u SET v = 'new'");
                List<WalTransaction> txs = d.poll();
                assertEquals(1, txs.size());
                decoded = txs.get(0).tables().get(0).changes().get(0).before();
            }
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < columns.size(); i++) {
                if (!same(sqlite[i + 2], decoded.get(i + 2))) {
                    wrong.add(columns.get(i) + ": SQLite reads " + show(sqlite[i + 2]) + ", the decoder " + show(decoded.get(i + 2)));
                }
            }
            assertEquals(List.of(), wrong, wrong.size() + " of " + columns.size() + " defaults differ");
        }
    }

    /**
     * SQLite evaluates more than literals (CAST, a signed string); the decoder does not guess what it cannot
     * read from the file: a record that needs such a default is refused, and the parser keeps the text.
     */
    @Test
    void aRecordThatNeedsANonConstantDefaultIsRefusedNotGuessed() throws Exception {
        try (SqliteWalFixture db = new SqliteWalFixture(dir)) {
            db.exec("CREATE TABLE u (id INTEGER PRIMARY KEY, v)", "INSERT INTO u VALUES (1, 'old')",
                    "ALTER TABLE u ADD COLUMN c TEXT DEFAULT (CAST(3 AS TEXT))");
            try (Statement s = db.c.createStatement(); ResultSet rs = s.executeQuery("SELECT c FROM u")) {
                assertEquals("3", rs.getString(1), "SQLite reads the evaluated default");
            }
            try (WalDecoder d = WalDecoder.openAtEnd(db.path)) {
                ColumnDef c = d.table("u").columns().get(2);
                assertNull(c.defaultValue());
                assertEquals("(CAST(3 AS TEXT))", c.defaultExpression());
                db.exec("UPDATE u SET v = 'new'");
                WalFormatException e = assertThrows(WalFormatException.class, d::poll);
                assertTrue(e.getMessage().contains("CAST(3 AS TEXT)"), e.getMessage());
            }
        }
    }

    @Test
    void timeDefaultsAndExpressionsOfCreateTableAreKeptAsText() throws Exception {
        TableDef t = CreateTableParser.parse("t", 2, "CREATE TABLE t (a TEXT DEFAULT CURRENT_TIMESTAMP, "
                + "b INTEGER DEFAULT (strftime('%s', 'now')), c DEFAULT -'5', d TEXT DEFAULT (abc), e DEFAULT NULL)");
        assertEquals(Arrays.asList("CURRENT_TIMESTAMP", "(strftime('%s', 'now'))", "-'5'", "(abc)", null),
                t.columns().stream().map(ColumnDef::defaultExpression).toList());
        assertTrue(t.columns().stream().allMatch(c -> c.defaultValue() == null));
    }

    private static boolean same(Object sqlite, Object decoded) {
        Object s = SqliteWalFixture.normal(sqlite);
        if (s instanceof Double a && decoded instanceof Double b) {
            return Double.doubleToRawLongBits(a) == Double.doubleToRawLongBits(b);
        }
        if (s instanceof byte[] a && decoded instanceof byte[] b) {
            return Arrays.equals(a, b);
        }
        return s == null ? decoded == null : s.equals(decoded);
    }

    private static String show(Object v) {
        if (v == null) {
            return "NULL";
        }
        String text = v instanceof byte[] b ? "x'" + java.util.HexFormat.of().formatHex(b) + "'" : String.valueOf(v);
        return text + " (" + v.getClass().getSimpleName() + ")";
    }
}
