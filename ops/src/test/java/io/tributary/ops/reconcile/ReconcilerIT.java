package io.tributary.ops.reconcile;

import static io.tributary.ops.reconcile.ReconcileFixtures.sql;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.config.PipelineConfig;
import io.tributary.testkit.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconcile engine on real SQLite files and real PostgreSQL databases laid out as the sink leaves them
 * (bookkeeping columns, soft-deleted rows): equal tables pass, and each kind of corruption is found as
 * exactly the rows that were corrupted, in every type the contract carries.
 */
class ReconcilerIT {
    @TempDir
    Path dir;

    private static final String SQLITE_METRICS = """
            CREATE TABLE metrics (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL, ok BOOLEAN, at DATETIME, day DATE,
              config JSON, blob BLOB, amount DECIMAL(12,4));
            INSERT INTO metrics VALUES (1, 'loss', 0.30000000000000004, 1, '2025-01-02 03:04:05.678', '2025-01-02', '{"b": 1, "a": [1, 2.50]}', x'00ff', 12.5),
              (2, 'acc', 0.0, 0, '2025-01-02T03:04:05Z', '1999-12-31', '[]', x'', 3),
              (3, 'naïve ✓', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
              (4, 'big', 1.7976931348623157e308, 1, '2025-02-03 04:05:06.000001', '2000-02-29', '{"k":  "spaced"}', x'deadbeef', 0.0001);
            """;
    private static final String TARGET_METRICS = """
            CREATE TABLE metrics (id bigint PRIMARY KEY, name text NOT NULL, value double precision, ok boolean, at timestamptz, day date,
              config json, blob bytea, amount numeric(12,4), _tributary_pos bigint[] NOT NULL);
            INSERT INTO metrics VALUES (1, 'loss', 0.30000000000000004, true, '2025-01-02 03:04:05.678+00', '2025-01-02', '{"b": 1, "a": [1, 2.50]}', '\\x00ff', 12.5, '{1,0,0,1}'),
              (2, 'acc', 0, false, '2025-01-02 03:04:05+00', '1999-12-31', '[]', '\\x', 3, '{1,0,0,2}'),
              (3, 'naïve ✓', 1e-300, NULL, NULL, NULL, NULL, NULL, NULL, '{1,0,0,3}'),
              (4, 'big', 1.7976931348623157e308, true, '2025-02-03 04:05:06.000001+00', '2000-02-29', '{"k":  "spaced"}', '\\xdeadbeef', 0.0001, '{1,0,0,4}');
            """;

    @Test
    void sqliteValuesAreComparedInTheTargetsTermsAndEachCorruptionIsFound() throws Exception {
        String lite = "jdbc:sqlite:" + dir.resolve("lite.db");
        sql(lite, SQLITE_METRICS);
        try (var c = java.sql.DriverManager.getConnection(lite); var ps = c.prepareStatement("UPDATE metrics SET value = ? WHERE id = 3")) {
            ps.setDouble(1, 1e-300); // bound: SQLite's own parsing of a literal is not exact
            ps.execute();
        }
        String target = TestServers.newDatabase("reconcile_sqlite_types");
        sql(target, TARGET_METRICS);
        PipelineConfig config = ReconcileFixtures.sqlitePipeline(dir.resolve("lite.db"), target, Map.of(), "metrics");

        TableReport equal = Reconciler.reconcile(config).get(0);
        assertNull(equal.error());
        assertTrue(equal.matches(), equal.toString());
        assertEquals(4, equal.sourceRows());
        assertEquals(4, equal.targetRows());

        sql(target, """
                UPDATE metrics SET at = '2025-01-02 03:04:05.679+00' WHERE id = 1;
                DELETE FROM metrics WHERE id = 3;
                INSERT INTO metrics VALUES (9, 'ghost', 1, true, NULL, NULL, NULL, NULL, NULL, '{1,0,0,9}');
                """);
        TableReport r = Reconciler.reconcile(config).get(0);
        assertEquals(List.of("1 CHANGED [at]", "3 MISSING []", "9 EXTRA []"), describe(r));
        assertEquals("FAIL", r.verdict());
    }

    @Test
    void postgresWideningsJsonbByValueAndTextKeysInAnotherCollation() throws Exception {
        String source = TestServers.newDatabase("reconcile_pg_source");
        String target = TestServers.newDatabase("reconcile_pg_target");
        sql(source, """
                CREATE TABLE positions (account text, symbol varchar(12), qty numeric(18,8) NOT NULL, small integer, ratio real,
                  meta json, PRIMARY KEY (account, symbol));
                INSERT INTO positions VALUES ('a', 'BTC', 1.50000000, 7, 3.4028235e38, '{"z": 1, "a": {"y": [1.0, 2]}, "a": {"y": [1, 2]}}'),
                  ('B', 'eth', 0, -1, 0.1, '[]'), ('a', 'Éa', 2, NULL, NULL, NULL), ('a', 'zz', 3, 1, 1, '{}');
                """);
        sql(target, """
                CREATE TABLE positions (account text COLLATE "C", symbol text, qty numeric NOT NULL, small bigint, ratio double precision,
                  meta jsonb, _tributary_pos bigint[] NOT NULL, PRIMARY KEY (account, symbol));
                INSERT INTO positions VALUES ('a', 'BTC', 1.5, 7, 3.4028234663852886e38, '{"a": {"y": [1, 2]}, "z": 1}', '{0,0,0,1}'),
                  ('B', 'eth', 0.0, -1, 0.10000000149011612, '[]', '{0,0,0,2}'), ('a', 'Éa', 2, NULL, NULL, NULL, '{0,0,0,3}'),
                  ('a', 'zz', 3, 1, 1, '{}', '{0,0,0,4}');
                """);
        PipelineConfig config = ReconcileFixtures.postgresPipeline(source, target, "positions");
        ReconcileOptions tiny = ReconcileOptions.exact().withRanges(2, 1); // many ranges and leaves on four rows

        TableReport equal = Reconciler.reconcile(config, tiny, null, null, Progress.NONE).get(0);
        assertTrue(equal.matches(), equal.toString());

        sql(target, "UPDATE positions SET meta = '{\"z\": 2, \"a\": {\"y\": [1, 2]}}' WHERE symbol = 'BTC'");
        sql(target, "UPDATE positions SET qty = 2.00000001 WHERE symbol = 'Éa'");
        TableReport r = Reconciler.reconcile(config, tiny, null, null, Progress.NONE).get(0);
        assertEquals(List.of("a\u001fBTC CHANGED [meta]", "a\u001fÉa CHANGED [qty]"), describe(r));
    }

    @Test
    void integerKeysAreRangedInNumberOrderNotInTheOrderOfTheirText() throws Exception {
        String source = TestServers.newDatabase("reconcile_pg_int_source");
        String target = TestServers.newDatabase("reconcile_pg_int_target");
        sql(source, "CREATE TABLE t (id bigint PRIMARY KEY, v double precision);\n"
                + "INSERT INTO t SELECT i, i / 7.0 FROM generate_series(1, 1500) i;\n");
        sql(target, "CREATE TABLE t (id bigint PRIMARY KEY, v double precision, _tributary_pos bigint[]);\n"
                + "INSERT INTO t SELECT i, i / 7.0, '{1}' FROM generate_series(1, 1500) i;\n"
                + "UPDATE t SET v = 0 WHERE id = 999;\nDELETE FROM t WHERE id = 1000;\nINSERT INTO t VALUES (10000, 1, '{1}');\n");
        PipelineConfig config = ReconcileFixtures.postgresPipeline(source, target, "t");
        // ranges of 100 keys cross 99/100 and 999/1000, where text order and number order part
        TableReport r = Reconciler.reconcile(config, ReconcileOptions.exact().withRanges(100, 8), null, null, Progress.NONE).get(0);
        assertEquals(List.of("1000 MISSING []", "10000 EXTRA []", "999 CHANGED [v]"), describe(r));
        assertEquals(1500, r.comparedRows());
    }

    @Test
    void aSqliteKeyStoredAsTextMeaningATimeIsRangedAsStored() throws Exception {
        String lite = "jdbc:sqlite:" + dir.resolve("regimes.db");
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 600; i++) { // one ISO format, with and without a fraction, as Python's isoformat writes it
            String t = java.time.LocalDateTime.of(2025, 1, 1, 0, 0).plusSeconds(i * 37L).plusNanos(i % 3 == 0 ? 0 : i * 1000L).toString();
            rows.append(i == 0 ? "" : ", ").append("('").append(t.length() == 16 ? t + ":00" : t).append("', ").append(i % 2).append(")");
        }
        sql(lite, "CREATE TABLE regime_history (time DATETIME PRIMARY KEY, bull BOOLEAN);\nINSERT INTO regime_history VALUES " + rows + ";\n");
        String target = TestServers.newDatabase("reconcile_time_key");
        sql(target, "CREATE TABLE regime_history (time timestamptz PRIMARY KEY, bull boolean, _tributary_pos bigint[]);\n"
                + "INSERT INTO regime_history SELECT '2025-01-01'::timestamptz + make_interval(secs => i * 37) "
                + "+ CASE WHEN i % 3 = 0 THEN interval '0' ELSE make_interval(secs => i / 1000000.0) END, i % 2 = 1, '{1}' FROM generate_series(0, 599) i;\n");
        PipelineConfig config = ReconcileFixtures.sqlitePipeline(dir.resolve("regimes.db"), target, Map.of(), "regime_history");
        ReconcileOptions small = ReconcileOptions.exact().withRanges(50, 4);
        TableReport equal = Reconciler.reconcile(config, small, null, null, Progress.NONE).get(0);
        assertTrue(equal.matches(), equal.toString());

        sql(target, "UPDATE regime_history SET bull = NOT bull WHERE time = '2025-01-01 01:01:40.0001+00';\n" // i = 100
                + "DELETE FROM regime_history WHERE time = '2025-01-01 01:01:03+00';\n"
                + "INSERT INTO regime_history VALUES ('2025-01-01 00:00:00.5+00', true, '{1}');\n");
        assertEquals(List.of("2025-01-01 00:00:00.5+00 EXTRA []", "2025-01-01 01:01:03+00 MISSING []",
                "2025-01-01 01:01:40.0001+00 CHANGED [bull]"), describe(Reconciler.reconcile(config, small, null, null, Progress.NONE).get(0)));
    }

    @Test
    void bookkeepingColumnsAndSoftDeletedRowsAreLeftOutOfTheTargetSide() throws Exception {
        String lite = "jdbc:sqlite:" + dir.resolve("soft.db");
        sql(lite, """
                CREATE TABLE regime_history (id INTEGER PRIMARY KEY, label TEXT NOT NULL, prob REAL);
                INSERT INTO regime_history VALUES (1, 'bull', 0.5), (2, 'bear', 0.25);
                CREATE TABLE samples (metric_name TEXT NOT NULL, metric_value REAL NOT NULL);
                INSERT INTO samples VALUES ('loss', 0.5), ('acc', 0.75);
                """);
        String target = TestServers.newDatabase("reconcile_soft_delete");
        sql(target, """
                CREATE TABLE regime_history (id bigint PRIMARY KEY, label text NOT NULL, prob double precision,
                  _tributary_pos bigint[] NOT NULL, _tributary_deleted boolean NOT NULL DEFAULT false);
                INSERT INTO regime_history VALUES (1, 'bull', 0.5, '{1,0,0,1}', false), (2, 'bear', 0.25, '{1,0,0,2}', false),
                  (3, 'sideways', 0.25, '{1,0,7,1}', true);
                CREATE TABLE samples (_tributary_rowid bigint PRIMARY KEY, metric_name text NOT NULL, metric_value double precision NOT NULL,
                  _tributary_pos bigint[] NOT NULL);
                INSERT INTO samples VALUES (1, 'loss', 0.5, '{1,0,0,1}'), (2, 'acc', 0.75, '{1,0,0,2}');
                """);
        PipelineConfig config = ReconcileFixtures.sqlitePipeline(dir.resolve("soft.db"), target,
                Map.of("regime_history", new PipelineConfig.TableOptions(true, null)), "regime_history", "samples");

        List<TableReport> reports = Reconciler.reconcile(config);
        assertTrue(reports.stream().allMatch(TableReport::matches), reports.toString());
        assertEquals(2, reports.get(0).targetRows(), "the row deleted in the source is not counted");

        sql(target, "UPDATE regime_history SET _tributary_deleted = false WHERE id = 3"); // the control
        assertEquals(List.of("3 EXTRA []"), describe(Reconciler.reconcile(config).get(0)));
    }

    @Test
    void toleranceWindowLastRowsAndTheGate() throws Exception {
        String lite = "jdbc:sqlite:" + dir.resolve("tol.db");
        StringBuilder rows = new StringBuilder();
        for (int i = 1; i <= 500; i++) {
            rows.append(i == 1 ? "" : ", ").append("(").append(i).append(", '2025-01-01 00:00:00', ").append(i * 1.5).append(")");
        }
        sql(lite, "CREATE TABLE m (id INTEGER PRIMARY KEY, time DATETIME NOT NULL, v REAL NOT NULL);\nINSERT INTO m VALUES " + rows + ";\n"
                + "UPDATE m SET time = '2025-03-01 00:00:00' WHERE id > 400;\n");
        String target = TestServers.newDatabase("reconcile_tolerance");
        sql(target, "CREATE TABLE m (id bigint PRIMARY KEY, time timestamptz NOT NULL, v double precision NOT NULL, _tributary_pos bigint[]);\n"
                + "INSERT INTO m SELECT id, CASE WHEN id > 400 THEN '2025-03-01' ELSE '2025-01-01' END::timestamptz, id * 1.5, '{1}' FROM generate_series(1, 500) id;\n"
                + "UPDATE m SET v = v * 1.00005 WHERE id = 450;\n"      // 0.005 %: within 0.01 %
                + "UPDATE m SET v = v * 1.001 WHERE id = 10;\n");        // 0.1 %, in the old part only
        PipelineConfig config = ReconcileFixtures.sqlitePipeline(dir.resolve("tol.db"), target, Map.of(), "m");
        ReconcileOptions base = ReconcileOptions.exact().withRanges(50, 8);

        assertEquals(List.of("10 CHANGED [v]", "450 CHANGED [v]"), describe(run(config, base)));
        ReconcileOptions tolerant = with(base, Map.of("m.v", 0.0001), null, 0, 0);
        assertEquals(List.of("10 CHANGED [v]"), describe(run(config, tolerant)));
        TableReport windowed = run(config, new ReconcileOptions(Map.of("v", 0.0001), java.time.Instant.parse("2025-02-01T00:00:00Z"), null,
                Map.of("m", "time"), 0, 1, 1, 0, Duration.ZERO, 50, 8, 20, 1000));
        assertTrue(windowed.matches(), windowed.toString());
        assertEquals(100, windowed.sourceRows());
        TableReport last = run(config, with(base, Map.of("*", 0.0001), null, 100, 0));
        assertTrue(last.matches() && last.comparedRows() == 100, last.toString());
        TableReport gated = run(config, with(base, Map.of(), null, 0, 0.005)); // 2 of 500 = 0.4 %
        assertTrue(gated.passed() && !gated.matches(), gated.toString());
    }

    @Test
    void aDifferenceThatConvergesWithinTheSettlePeriodIsNotReported() throws Exception {
        String lite = "jdbc:sqlite:" + dir.resolve("settle.db");
        sql(lite, "CREATE TABLE s (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO s VALUES (1, 'a'), (2, 'b'), (3, 'c');\n");
        String target = TestServers.newDatabase("reconcile_settle");
        sql(target, "CREATE TABLE s (id bigint PRIMARY KEY, v text, _tributary_pos bigint[]);\n"
                + "INSERT INTO s VALUES (1, 'a', '{1}'), (2, 'stale', '{1}'), (4, 'lost', '{1}');\n");
        PipelineConfig config = ReconcileFixtures.sqlitePipeline(dir.resolve("settle.db"), target, Map.of(), "s");
        // when the pass has walked every source row, the "pipeline" delivers row 2; 3 and 4 stay wrong
        Progress deliverAfterThePass = new Progress() {
            @Override
            public void table(String service, String table, long sourceRows) {
            }

            @Override
            public void rows(long done) {
                if (done == 3) {
                    try {
                        sql(target, "UPDATE s SET v = 'b' WHERE id = 2;\n");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }

            @Override
            public void done() {
            }
        };
        TableReport settled = Reconciler.reconcile(config, ReconcileOptions.exact().withSettle(Duration.ofMillis(500)), null, null, deliverAfterThePass).get(0);
        assertEquals(List.of("3 MISSING []", "4 EXTRA []"), describe(settled));
    }

    private static TableReport run(PipelineConfig config, ReconcileOptions o) {
        return Reconciler.reconcile(config, o, null, null, Progress.NONE).get(0);
    }

    private static ReconcileOptions with(ReconcileOptions b, Map<String, Double> tol, java.time.Instant since, long last, double gate) {
        return new ReconcileOptions(tol, since, null, Map.of(), last, b.sample(), b.seed(), gate, b.settle(), b.rangeRows(), b.leafRows(),
                b.show(), b.recheckCap());
    }

    /** "key KIND [columns]" per differing row, sorted. */
    static List<String> describe(TableReport r) {
        assertNull(r.error(), r.error());
        return r.differences().stream().map(d -> String.join("\u001f", d.key()) + " " + d.kind() + " " + d.columns()).sorted().toList();
    }
}
