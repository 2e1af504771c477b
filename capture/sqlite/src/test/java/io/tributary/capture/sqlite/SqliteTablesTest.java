package io.tributary.capture.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.capture.sqlite.wal.SqliteTypes;
import io.tributary.capture.sqlite.wal.WalDecoder;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.TableDefinition;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table's shape in the contract, built once from the WAL-decoded definition: it must equal what SQLite
 * itself reports over JDBC ({@code PRAGMA table_info}) for names, declared types, NOT NULL and the key,
 * and its defaults must be the values SQLite reads for rows written before an ADD COLUMN.
 */
class SqliteTablesTest {
    private static final List<String> TABLES = List.of(
            "CREATE TABLE plain (a, b INTEGER, c TEXT NOT NULL, d REAL, e BLOB, f NUMERIC(18, 8), g BOOLEAN NOT NULL DEFAULT 0)",
            "CREATE TABLE keyed (id INTEGER PRIMARY KEY, \"quoted name\" VARCHAR(10, 2) NOT NULL, t DATETIME, j JSON)",
            "CREATE TABLE textkey (k TEXT PRIMARY KEY, v UNSIGNED BIG INT /* a comment */ NOT NULL ON CONFLICT FAIL)",
            "CREATE TABLE composite (a INT, b TEXT, c DATE, PRIMARY KEY (B, a))",
            "CREATE TABLE wr (k TEXT NOT NULL, n INTEGER, v DOUBLE PRECISION, PRIMARY KEY (k, n DESC)) WITHOUT ROWID",
            "CREATE TABLE gen (a INTEGER, b INTEGER AS (a * 2) STORED, c TEXT GENERATED ALWAYS AS (a || 'x') VIRTUAL, d)",
            "CREATE TABLE refs (id INTEGER PRIMARY KEY, p INTEGER REFERENCES keyed(id) ON DELETE SET NULL NOT DEFERRABLE, "
                    + "q TEXT DEFAULT 'x' NOT NULL CHECK (q IS NOT NULL), r TEXT COLLATE NOCASE, [s] \"CHAR\")",
            "CREATE TABLE typed (a INTEGER(10), b \"TEXT\", c DECIMAL ( 10 , 2 ), d TIMESTAMP, e INT2 NOT NULL)");

    @TempDir
    Path dir;

    @Test
    void theShapeFromTheWalEqualsWhatSqliteReports() throws Exception {
        Path db = database(TABLES.toArray(String[]::new));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); WalDecoder d = WalDecoder.openAtEnd(db)) {
            for (String create : TABLES) {
                String name = create.split("[ (]")[2];
                TableRef ref = new TableRef("s", "main", name);
                TableSchema fromWal = SqliteTables.schema(ref, d.table(name), c);
                TableSchema fromSqlite = PragmaTables.read(c, ref);
                assertEquals(fromSqlite.primaryKey(), fromWal.primaryKey(), create);
                assertEquals(fromSqlite.columns(), withoutDefaults(fromWal.columns()), create);
            }
        }
    }

    /** A column declared without a type has BLOB affinity, and travels as BYTES, as a BLOB column does. */
    @Test
    void aColumnWithoutADeclaredTypeTravelsAsBytes() throws Exception {
        Path db = database("CREATE TABLE t (id INTEGER PRIMARY KEY, u)", "INSERT INTO t VALUES (1, x'00ff')");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); WalDecoder d = WalDecoder.openAtEnd(db)) {
            TableSchema t = SqliteTables.schema(new TableRef("s", "main", "t"), d.table("t"), c);
            Column u = t.column("u").orElseThrow();
            assertEquals(ColumnType.BYTES, u.type());
            assertNull(u.sourceType());
            assertEquals(ByteBuffer.wrap(new byte[] {0, (byte) 0xff}), SqliteTypes.contractValue(new byte[] {0, (byte) 0xff}, u, t));
        }
    }

    /**
     * The defaults of {@code SqliteAddColumnIT} and a few more: the schema's default is the contract value of
     * what SQLite reads for a row written before the column was added, so an untouched row means the same in
     * the target. An expression default is evaluated by SQLite; a time default carries no value (SQLite does
     * not allow one for ADD COLUMN, so no row can read it).
     */
    @Test
    void aDefaultIsWhatAnOlderRowReads() throws Exception {
        List<String> added = List.of("status TEXT NOT NULL DEFAULT 'it''s open'", "acknowledged BOOLEAN NOT NULL DEFAULT 1",
                "threshold REAL DEFAULT 2", "level INTEGER DEFAULT '7'", "raised_at DATETIME DEFAULT '2025-01-01 00:00:00'",
                "payload BLOB DEFAULT x'00ff'", "note TEXT", "price DECIMAL(10,2) DEFAULT '1.50'", "big TEXT DEFAULT 1e20",
                "untyped DEFAULT 2.0", "flag BOOLEAN DEFAULT TRUE", "cast TEXT DEFAULT (CAST(3 AS TEXT))");
        Path db = database("CREATE TABLE alerts (id INTEGER PRIMARY KEY, created TEXT DEFAULT CURRENT_TIMESTAMP, "
                + "n INTEGER DEFAULT (1 + 1))", "INSERT INTO alerts (id) VALUES (1)");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (String column : added) {
                s.execute("ALTER TABLE alerts ADD COLUMN " + column);
            }
            TableSchema t;
            try (WalDecoder d = WalDecoder.openAtEnd(db)) {
                t = SqliteTables.schema(new TableRef("s", "main", "alerts"), d.table("alerts"), c);
            }
            try (ResultSet rs = s.executeQuery("SELECT * FROM alerts WHERE id = 1")) {
                for (int i = 3; i < t.columns().size(); i++) {
                    Column col = t.columns().get(i);
                    assertEquals(SqliteTypes.contractValue(rs.getObject(col.name()), col, t), col.defaultValue(), col.name());
                }
            }
            assertEquals("it's open", t.column("status").orElseThrow().defaultValue());
            assertEquals(1L, t.column("acknowledged").orElseThrow().defaultValue());
            assertEquals("1.5", t.column("price").orElseThrow().defaultValue(), "NUMERIC affinity made '1.50' the real 1.5");
            assertEquals("1e20", t.column("big").orElseThrow().defaultValue(), "a TEXT column keeps a real literal as written");
            assertEquals("3", t.column("cast").orElseThrow().defaultValue(), "SQLite evaluated the expression");
            assertNull(t.column("created").orElseThrow().defaultValue());
            assertEquals(2L, t.column("n").orElseThrow().defaultValue());
        }
    }

    /**
     * What a copy needs to take the application's writes: the rowid alias as a generated key, the time
     * defaults in PostgreSQL terms for the type the column means, indexes (UNIQUE constraints and unique
     * indexes unique), foreign keys with their actions and the parent's key when the REFERENCES names none,
     * CHECKs translated, and what has no PostgreSQL form left out rather than failing.
     */
    @Test
    void theDefinitionCarriesKeysDefaultsIndexesAndConstraintsInPostgresTerms() throws Exception {
        Path db = database("CREATE TABLE owners (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE)",
                "CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES owners ON DELETE CASCADE, Name TEXT NOT NULL, "
                        + "born DATETIME DEFAULT CURRENT_TIMESTAMP, seen TEXT DEFAULT CURRENT_TIMESTAMP, n INTEGER DEFAULT (abs(random())), "
                        + "CONSTRAINT name_long CHECK (length(Name) >= 2), CHECK (n == 0 OR n > 0), CHECK (Name GLOB '[A-Z]*'))",
                "CREATE INDEX pets_owner ON pets (owner, Name)", "CREATE UNIQUE INDEX pets_name ON pets (name)",
                "CREATE INDEX pets_lower ON pets (lower(Name))", "CREATE TABLE log (line TEXT)");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); WalDecoder d = WalDecoder.openAtEnd(db)) {
            TableDefinition owners = SqliteTables.schema(new TableRef("s", "main", "owners"), d.table("owners"), c).definition();
            assertEquals(List.of("id"), owners.generated());
            assertEquals(List.of(new TableDefinition.Index("owners_email_key", List.of("email"), true)), owners.indexes());
            TableSchema pets = SqliteTables.schema(new TableRef("s", "main", "pets"), d.table("pets"), c);
            TableDefinition p = pets.definition();
            assertEquals(Map.of("born", "now()", "seen", "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"), p.defaults());
            assertNull(pets.column("n").orElseThrow().defaultValue(), "a random default is not evaluated once");
            assertEquals(List.of(new TableDefinition.Index("pets_name", List.of("Name"), true),
                    new TableDefinition.Index("pets_owner", List.of("owner", "Name"), false)), p.indexes());
            assertEquals(List.of(new TableDefinition.ForeignKey("pets_owner_fkey", List.of("owner"), "owners", List.of("id"), "CASCADE", "NO ACTION")),
                    p.foreignKeys());
            assertEquals(List.of(new TableDefinition.Check("name_long", "(length(\"Name\") >= 2)"), new TableDefinition.Check("pets_check1", "(\"n\" = 0 OR \"n\" > 0)")),
                    p.checks());
            TableSchema log = SqliteTables.schema(new TableRef("s", "main", "log"), d.table("log"), c);
            assertEquals(List.of(TableSchema.ROWID_COLUMN), log.definition().generated(), "a table without a key: its rowid");
        }
    }

    @Test
    void aDefaultThatDoesNotFitItsColumnStopsWithTheColumnsName() throws Exception {
        Path db = database("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 'none')");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); WalDecoder d = WalDecoder.openAtEnd(db)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SqliteTables.schema(new TableRef("s", "main", "t"), d.table("t"), c));
            assertTrue(e.getMessage().contains("the default of s.main.t.n"), e.getMessage());
        }
    }

    private Path database(String... sql) throws Exception {
        Path db = dir.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            for (String q : sql) {
                s.execute(q);
            }
        }
        return db;
    }

    private static List<Column> withoutDefaults(List<Column> columns) {
        return columns.stream().map(c -> c.withDefault(null)).toList();
    }
}
