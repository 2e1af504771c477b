package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.schemas.registry.SchemaRegistryClient;
import io.tributary.testkit.Sql;
import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tables the sink creates are the application's after cutover. Per source kind, the pipeline creates
 * and fills them from a live source; then the pipeline stops and the test plays the application on the
 * target: an INSERT leaving the key out continues past the source's highest key, an INSERT leaving a
 * defaulted column out gets the default, an UPDATE and a DELETE go through. The source's secondary indexes
 * exist; with {@code constraints: true} (owners, pets) its UNIQUE, CHECK and foreign-key constraints exist,
 * without it (tags) they do not.
 */
class AppReadyTargetIT {
    private static final String OPTIONS = "    options: { owners: { constraints: true }, pets: { constraints: true } }\n";

    @TempDir
    Path dir;

    @Test
    void aSqliteSourcesTablesTakeTheApplicationsWrites() throws Exception {
        String target = TestServers.newDatabase("appready_sqlite");
        Path db = dir.resolve("app.db");
        sqlite(db, "PRAGMA journal_mode = WAL",
                "CREATE TABLE owners (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, created DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, "
                        + "tier TEXT NOT NULL DEFAULT 'free', CHECK (length(email) > 3))",
                "CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL REFERENCES owners (id) ON DELETE CASCADE, name TEXT NOT NULL, CHECK (name <> ''))",
                "CREATE INDEX pets_name ON pets (name)",
                "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT UNIQUE, CHECK (label <> ''))",
                "CREATE TABLE notes (body TEXT)",
                "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 40) INSERT INTO owners (email) SELECT 'o' || v || '@example.com' FROM n",
                "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 80) INSERT INTO pets (owner, name) SELECT 1 + v % 40, 'pet' || v FROM n",
                "INSERT INTO tags (label) VALUES ('a'), ('b')", "INSERT INTO notes VALUES ('first'), ('second')");
        SqliteScenario scenario = new SqliteScenario(dir, "appready", db, List.of("owners", "pets", "tags", "notes"), target, OPTIONS);
        try (PipelineRunner runner = new PipelineRunner(scenario.file)) {
            sqlite(db, "PRAGMA busy_timeout = 5000", "INSERT INTO owners (email) VALUES ('live@example.com')",
                    "INSERT INTO pets (owner, name) VALUES (41, 'streamed')", "INSERT INTO notes VALUES ('third')", "DELETE FROM pets WHERE id = 3");
            scenario.awaitMatch(runner);
            assertEquals(1, new SchemaRegistryClient(TestServers.registryUrl()).versions(scenario.source + ".main.pets-value").size(),
                    "snapshot and streamed events of pets carry one schema, definition included");
            awaitCutoverReady(target, List.of("owners", "pets", "notes"));
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
        playTheApplication(target, 41, 81);
        assertEquals("t", value(target, "INSERT INTO notes (body) VALUES ('by the app') RETURNING _tributary_rowid > 3"),
                "a table without a primary key: its rowid is generated after the source's highest");
        assertSourceStructure(target);
    }

    @Test
    void aPostgresSourcesTablesTakeTheApplicationsWrites() throws Exception {
        PostgresScenario scenario = new PostgresScenario(dir, "appready");
        PostgresScenario.sql(scenario.sourceUrl, """
                CREATE TABLE owners (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, created timestamptz NOT NULL DEFAULT now(),
                    tier text NOT NULL DEFAULT 'free', CHECK (length(email) > 3));
                CREATE TABLE pets (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, owner bigint NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
                    name text NOT NULL, CHECK (name <> ''));
                CREATE INDEX pets_name ON pets (name);
                CREATE TABLE tags (id serial PRIMARY KEY, label text UNIQUE, CHECK (label <> ''));
                INSERT INTO owners (email) SELECT 'o' || g || '@example.com' FROM generate_series(1, 40) g;
                INSERT INTO pets (owner, name) SELECT 1 + g % 40, 'pet' || g FROM generate_series(1, 80) g;
                INSERT INTO tags (label) VALUES ('a'), ('b');
                """);
        scenario.pipelineWith(OPTIONS, "owners", "pets", "tags");
        try (PipelineRunner runner = new PipelineRunner(scenario.file)) {
            PostgresScenario.await(() -> scenario.targetCount("owners") >= 40, Duration.ofSeconds(180), "the snapshot of owners in the target");
            PostgresScenario.sql(scenario.sourceUrl, "INSERT INTO owners (email) VALUES ('live@example.com'); "
                    + "INSERT INTO pets (owner, name) VALUES (41, 'streamed'); DELETE FROM pets WHERE id = 3");
            scenario.awaitMatch(runner);
            awaitCutoverReady(scenario.targetUrl, List.of("owners", "pets"));
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
        playTheApplication(scenario.targetUrl, 41, 81);
        assertSourceStructure(scenario.targetUrl);
    }

    /** Waits, bounded, for what the sink does every few seconds: the sequences past the keys loaded, the constraints added. */
    private static void awaitCutoverReady(String target, List<String> generatedKeyTables) throws Exception {
        for (String table : generatedKeyTables) {
            String key = table.equals("notes") ? "_tributary_rowid" : "id";
            PostgresScenario.await(() -> "t".equals(value(target, "SELECT (SELECT max(" + key + ") FROM " + table + ") <= "
                    + "(SELECT pg_sequence_last_value(pg_get_serial_sequence('" + table + "', '" + key + "')))")), Duration.ofSeconds(60),
                    "the sequence of " + table + "." + key + " past its largest key");
        }
        PostgresScenario.await(() -> constraints(target, "pets").contains("f"), Duration.ofSeconds(60), "the foreign key of pets");
        PostgresScenario.await(() -> constraints(target, "owners").containsAll(List.of("c", "u")), Duration.ofSeconds(60),
                "the CHECK and UNIQUE constraints of owners");
    }

    /** The application's first statements after cutover, each of which must go through. */
    private static void playTheApplication(String target, long ownersMax, long petsMax) throws Exception {
        List<String> owner = Sql.rows(target, "INSERT INTO owners (email) VALUES ('app@example.com') "
                + "RETURNING id, created > now() - interval '1 hour', tier").get(0);
        assertTrue(Long.parseLong(owner.get(0)) > ownersMax, "the key continues past the source's highest: " + owner);
        assertEquals(List.of("t", "free"), owner.subList(1, 3), "defaults: the time of the insert and the literal");
        String pet = value(target, "INSERT INTO pets (owner, name) VALUES (" + owner.get(0) + ", 'rex') RETURNING id");
        assertTrue(Long.parseLong(pet) > petsMax, "the key continues past the source's highest: " + pet);
        assertEquals("1", value(target, "WITH u AS (UPDATE owners SET tier = 'pro' WHERE id = 1 RETURNING 1) SELECT count(*) FROM u"));
        assertEquals("1", value(target, "WITH d AS (DELETE FROM pets WHERE id = 2 RETURNING 1) SELECT count(*) FROM d"));
    }

    /** The source's indexes in the target; its constraints where the option asks for them, and only there. */
    private static void assertSourceStructure(String target) throws Exception {
        assertEquals("t", value(target, "SELECT to_regclass('pets_name') IS NOT NULL"), "the secondary index of pets");
        assertEquals("f", value(target, "SELECT bool_or(indisunique) FROM pg_index WHERE indexrelid = 'tags_label_key'::regclass"),
                "without the option, a unique index of the source is a plain index in the target");
        assertEquals(List.of(), constraints(target, "tags").stream().filter(t -> !t.equals("p")).toList(), "tags: no constraint but its key");
        assertTrue(constraints(target, "pets").containsAll(List.of("f", "c")), "pets: its foreign key and CHECK");
    }

    /** The constraint types (p, u, c, f) of {@code table} in the target. */
    private static List<String> constraints(String target, String table) throws Exception {
        return Sql.rows(target, "SELECT contype::text FROM pg_constraint WHERE conrelid = to_regclass('" + table + "') ORDER BY 1")
                .stream().map(r -> r.get(0)).toList();
    }

    private static String value(String url, String sql) throws Exception {
        return PostgresScenario.value(url, sql);
    }

    private static void sqlite(Path db, String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (String q : statements) {
                s.execute(q);
            }
        }
    }
}
