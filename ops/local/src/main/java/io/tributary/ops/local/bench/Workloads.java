package io.tributary.ops.local.bench;

import io.tributary.ops.reconcile.ReconcileBench;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;

/**
 * The data of the pipeline benchmarks and the floors they are compared with: the ML-experiments metrics table in
 * SQLite, the monolith's trades table in PostgreSQL, the pgbench transaction of the streaming run; raw COPY of the
 * same rows, the COPY pipe between two PostgreSQL databases, and pgloader where it is installed.
 */
final class Workloads {
    static final String TRADES_DDL = "CREATE TABLE trades (id bigserial PRIMARY KEY, symbol text NOT NULL, price numeric(20,6) NOT NULL, "
            + "qty double precision NOT NULL, side text NOT NULL, executed_at timestamptz NOT NULL, meta jsonb, filled boolean NOT NULL)";
    /** The streaming run's transaction, as the issue measured it: 10 inserts, 1 update, 1 delete. */
    static final String PGBENCH_SCRIPT = """
            \\set u random(1, :maxid)
            \\set d random(1, :maxid)
            BEGIN;
            INSERT INTO trades (symbol, price, qty, side, executed_at, meta, filled)
              SELECT 'SYM' || (g % 500), 100 + g / 7.0, g * 0.5, 'buy', clock_timestamp(), '{"venue": "X", "n": 1}', false FROM generate_series(1, 10) g;
            UPDATE trades SET qty = qty + 1, filled = true WHERE id = :u;
            DELETE FROM trades WHERE id = :d;
            END;
            """;
    private static final DateTimeFormatter NAIVE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private Workloads() {
    }

    /** {@code rows} trades in the PostgreSQL database at {@code url} (the sequence set past them). */
    static void trades(String url, long rows) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(TRADES_DDL);
            s.execute("INSERT INTO trades SELECT g, 'SYM' || (g % 500), (g % 100000) / 7.0, g * 0.25, CASE WHEN g % 2 = 0 THEN 'buy' ELSE 'sell' END, "
                    + "timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second', jsonb_build_object('venue', 'X' || (g % 7), 'n', g), g % 3 = 0 "
                    + "FROM generate_series(1, " + rows + ") g");
            s.execute("SELECT setval('trades_id_seq', " + Math.max(1, rows) + ")");
            s.execute("ANALYZE trades");
        }
    }

    /** Seconds the COPY pipe takes: {@code COPY trades TO STDOUT} of {@code source} straight into {@code COPY ... FROM STDIN} of {@code target}. */
    static double copyPipe(String source, String target) throws Exception {
        try (Connection in = DriverManager.getConnection(target, "postgres", ""); Statement s = in.createStatement()) {
            s.execute(TRADES_DDL);
        }
        long t0 = System.nanoTime();
        try (Connection from = DriverManager.getConnection(source, "postgres", ""); Connection to = DriverManager.getConnection(target, "postgres", "")) {
            PipedInputStream pipeIn = new PipedInputStream(1 << 20);
            PipedOutputStream pipeOut = new PipedOutputStream(pipeIn);
            CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
                try (pipeOut) {
                    return from.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY trades TO STDOUT", pipeOut);
                } catch (SQLException | IOException e) {
                    throw new IllegalStateException("COPY TO STDOUT failed: " + e.getMessage(), e);
                }
            });
            to.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY trades FROM STDIN", pipeIn);
            reader.get(10, TimeUnit.MINUTES);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Seconds raw COPY takes to move the SQLite table into a fresh PostgreSQL table of the same column types (read and COPY, 20,000 rows a round). */
    static double sqliteCopy(Path sqlite, String target) throws Exception {
        try (Connection pg = DriverManager.getConnection(target, "postgres", ""); Statement s = pg.createStatement()) {
            s.execute("CREATE TABLE " + ReconcileBench.TABLE + " (rowid bigint PRIMARY KEY, time timestamptz NOT NULL, experiment_id bigint, "
                    + "metric_name text NOT NULL, metric_value double precision NOT NULL, step bigint, epoch bigint)");
        }
        long t0 = System.nanoTime();
        try (Connection lite = DriverManager.getConnection("jdbc:sqlite:file:" + sqlite + "?mode=ro"); Statement q = lite.createStatement();
             Connection pg = DriverManager.getConnection(target, "postgres", "")) {
            var copy = pg.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder sb = new StringBuilder();
            int n = 0;
            try (ResultSet rs = q.executeQuery("SELECT rowid, time, experiment_id, metric_name, metric_value, step, epoch FROM " + ReconcileBench.TABLE)) {
                while (rs.next()) {
                    sb.append(rs.getLong(1)).append('\t')
                            .append(LocalDateTime.parse(rs.getString(2), NAIVE).toInstant(ZoneOffset.UTC)).append('\t')
                            .append(rs.getLong(3)).append('\t').append(rs.getString(4)).append('\t').append(rs.getDouble(5)).append('\t')
                            .append(rs.getLong(6)).append('\t').append(rs.getLong(7)).append('\n');
                    if (++n % 20_000 == 0) {
                        copy.copyIn("COPY " + ReconcileBench.TABLE + " FROM STDIN", new StringReader(sb.toString()));
                        sb.setLength(0);
                    }
                }
            }
            copy.copyIn("COPY " + ReconcileBench.TABLE + " FROM STDIN", new StringReader(sb.toString()));
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Seconds pgloader takes to load the SQLite file into {@code database} of the server at {@code port}; NaN, with the reason printed, when it is not installed or fails. */
    static double pgloader(Path sqlite, int port, String database, Path log) throws Exception {
        if (!onPath("pgloader")) {
            System.out.println("  pgloader: not installed here (apt-get install pgloader), not measured");
            return Double.NaN;
        }
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("pgloader", sqlite.toString(), "postgresql://postgres@127.0.0.1:" + port + "/" + database)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            System.out.println("  pgloader: failed or did not end within 30 minutes; see " + log);
            return Double.NaN;
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** The pgbench command of the streaming run, against {@code database} on {@code port}; {@code rate} transactions/s, 0 for as fast as it goes. */
    static List<String> pgbench(Path script, int port, String database, int clients, int seconds, int rate, long maxId) throws IOException {
        Files.writeString(script, PGBENCH_SCRIPT);
        List<String> cmd = new ArrayList<>(List.of("pgbench", "-n", "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres",
                "-c", String.valueOf(clients), "-j", String.valueOf(Math.min(clients, 2)), "-T", String.valueOf(seconds),
                "--max-tries=10", "-D", "maxid=" + maxId, "-f", script.toString()));
        if (rate > 0) {
            cmd.addAll(List.of("-R", String.valueOf(rate)));
        }
        cmd.add(database);
        return cmd;
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Per row changed since {@code since}, {@code {source commit (epoch seconds), seconds from it to the commit of
     * its copy in the target}} (both servers with {@code track_commit_timestamp}), in the order of the rows' keys;
     * rows deleted since are not in it.
     */
    static List<double[]> commitLags(String source, String target, Instant since) throws SQLException {
        String q = "SELECT id, extract(epoch FROM pg_xact_commit_timestamp(xmin)) FROM trades ORDER BY id";
        List<double[]> lags = new ArrayList<>();
        try (Connection s = DriverManager.getConnection(source, "postgres", ""); Connection t = DriverManager.getConnection(target, "postgres", "")) {
            s.setAutoCommit(false);
            t.setAutoCommit(false);
            try (Statement ss = s.createStatement(); Statement ts = t.createStatement()) {
                ss.setFetchSize(10_000);
                ts.setFetchSize(10_000);
                try (ResultSet a = ss.executeQuery(q); ResultSet b = ts.executeQuery(q)) {
                    boolean hasB = b.next();
                    double from = since.toEpochMilli() / 1000.0;
                    while (a.next()) {
                        long id = a.getLong(1);
                        double committed = a.getDouble(2);
                        while (hasB && b.getLong(1) < id) {
                            hasB = b.next();
                        }
                        if (committed >= from && hasB && b.getLong(1) == id) {
                            lags.add(new double[] {committed, b.getDouble(2) - committed});
                        }
                    }
                }
            }
        }
        return lags;
    }
}
