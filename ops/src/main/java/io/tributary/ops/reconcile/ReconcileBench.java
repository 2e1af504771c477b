package io.tributary.ops.reconcile;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import io.tributary.common.sql.Bookkeeping;
import org.postgresql.PGConnection;

/**
 * Data for measuring reconcile ({@code bin/tributary bench reconcile}) and for its large-table test: a source
 * and a target table of {@code experiment_metrics} (the ML-experiments workload's largest table) holding the
 * same N rows, built batch by batch so memory stays flat, a corruption of exactly three rows (one changed
 * value, one missing row, one extra row), and the floor to compare reconcile's time with: {@code count(*)}
 * plus one hash query over every row on each side (SQLite has no hash function in SQL, so its floor is
 * {@code count(*)} plus one plain read of every row).
 */
public final class ReconcileBench {
    public static final String TABLE = "experiment_metrics";
    private static final DateTimeFormatter NAIVE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final long EPOCH = LocalDateTime.of(2025, 2, 1, 0, 0).toEpochSecond(ZoneOffset.UTC);
    private static final int BATCH = 20_000;

    private ReconcileBench() {
    }

    /** The keys {@link #corrupt} touches, as reconcile reports them: "key kind [columns]". */
    public static List<String> corruption(long rows) {
        return List.of("777 CHANGED [metric_value]", (rows / 2) + " MISSING []", (rows + 5) + " EXTRA []");
    }

    /** A SQLite file in WAL mode whose table has no primary key (keyed by rowid, as the capture keys it), rows 1..N. */
    public static void sqliteSource(Path file, long rows) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE " + TABLE + " (time DATETIME NOT NULL, experiment_id INTEGER, metric_name TEXT NOT NULL, "
                    + "metric_value REAL NOT NULL, step INTEGER, epoch INTEGER)");
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (rowid, time, experiment_id, metric_name, metric_value, step, epoch) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (long i = 1; i <= rows; i++) {
                    ps.setLong(1, i);
                    ps.setString(2, LocalDateTime.ofEpochSecond(EPOCH + i, 0, ZoneOffset.UTC).format(NAIVE));
                    ps.setLong(3, i % 100);
                    ps.setString(4, name(i));
                    ps.setDouble(5, value(i));
                    ps.setLong(6, i);
                    ps.setLong(7, i / 1000);
                    ps.addBatch();
                    if (i % BATCH == 0) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
            c.commit();
        }
    }

    /**
     * A PostgreSQL table of rows 1..N keyed by {@code key}, with the sink's position column when {@code asTarget}
     * (a target as the sink leaves it), else as a PostgreSQL source.
     */
    public static void postgresTable(String url, long rows, String key, boolean asTarget) throws SQLException, java.io.IOException {
        try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + TABLE);
                s.execute("CREATE TABLE " + TABLE + " (" + key + " bigint PRIMARY KEY, time timestamptz NOT NULL, experiment_id bigint, "
                        + "metric_name text NOT NULL, metric_value double precision NOT NULL, step bigint, epoch bigint"
                        + (asTarget ? ", " + Bookkeeping.POSITION + " bigint[] NOT NULL" : "") + ")");
            }
            var copy = c.unwrap(PGConnection.class).getCopyAPI();
            for (long first = 1; first <= rows; first += BATCH) {
                StringBuilder sb = new StringBuilder();
                for (long i = first; i < Math.min(rows + 1, first + BATCH); i++) {
                    sb.append(i).append('\t').append(Instant.ofEpochSecond(EPOCH + i)).append('\t').append(i % 100).append('\t').append(name(i))
                            .append('\t').append(value(i)).append('\t').append(i).append('\t').append(i / 1000)
                            .append(asTarget ? "\t{1,0," + i + ",0}\n" : "\n");
                }
                copy.copyIn("COPY " + TABLE + " FROM STDIN", new StringReader(sb.toString()));
            }
            try (Statement s = c.createStatement()) {
                s.execute("ANALYZE " + TABLE);
            }
        }
    }

    /**
     * Row {@code i} as the transform writes it to the service topic (contract values: the time as TIMESTAMPTZ
     * microseconds, SQLite's rowid as {@code _tributary_rowid}); the same row {@link #sqliteSource} stores.
     */
    public static java.util.Map<String, Object> contractRow(long i) {
        java.util.Map<String, Object> m = new java.util.HashMap<>(16);
        m.put(io.tributary.schemas.event.TableSchema.ROWID_COLUMN, i);
        m.put("time", (EPOCH + i) * 1_000_000L);
        m.put("experiment_id", i % 100);
        m.put("metric_name", name(i));
        m.put("metric_value", value(i));
        m.put("step", i);
        m.put("epoch", i / 1000);
        return m;
    }

    private static String name(long i) {
        return i % 3 == 0 ? "loss" : "sharpe";
    }

    private static double value(long i) {
        return Math.sin(i) * 1e3;
    }

    /** Changes row 777's value, deletes the middle row and adds row N+5, in the PostgreSQL table at {@code url} keyed by {@code key}. */
    public static void corrupt(String url, long rows, String key) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("UPDATE " + TABLE + " SET metric_value = metric_value * (1 + 1e-9) WHERE " + key + " = 777");
            s.execute("DELETE FROM " + TABLE + " WHERE " + key + " = " + rows / 2);
            s.execute("INSERT INTO " + TABLE + " SELECT " + (rows + 5) + ", time, experiment_id, metric_name, metric_value, step, epoch, "
                    + Bookkeeping.POSITION + " FROM " + TABLE + " WHERE " + key + " = 1");
        }
    }

    /** A pipeline file with one source (a SQLite file, or a PostgreSQL database) and one service owning its table. */
    public static Path pipeline(Path file, Path sqlite, String postgresSource, String target) throws java.io.IOException {
        String source = sqlite != null ? "  - name: bench\n    sqlite: { path: \"" + sqlite + "\" }\n    tables: [" + TABLE + "]\n"
                : "  - name: bench\n    postgres: { url: \"" + postgresSource + "\", user: postgres }\n    tables: [public." + TABLE + "]\n";
        String schema = sqlite != null ? "main" : "public";
        Files.writeString(file, "kafka: { bootstrap: \"localhost:9092\" }\nregistry: { url: \"http://localhost:8081\" }\nsources:\n" + source
                + "services:\n  - name: bench-svc\n    target: { url: \"" + target + "\", user: postgres }\n    tables: [bench." + schema + "." + TABLE + "]\n");
        return file;
    }

    /**
     * The child JVM command that runs {@code tributary reconcile --config pipeline --json --settle 0} the way
     * {@code bin/tributary} runs it, with a heap of {@code heap} (e.g. {@code 32m}) and its garbage collections
     * logged to {@code gcLog} ({@link #peakHeapMb} reads the peak from it).
     */
    public static List<String> childCommand(String heap, Path gcLog, Path pipeline) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap, "-Xlog:gc:file=" + gcLog,
                "-Dlog4j2.configurationFile=classpath:tributary-log4j2.xml", "-cp", System.getProperty("java.class.path"),
                "io.tributary.ops.Main", "reconcile", "--config", pipeline.toString(), "--json", "--settle", "0");
    }

    private static final java.util.regex.Pattern GC = java.util.regex.Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    /** The most heap in use before any collection in a {@code -Xlog:gc} log, in MiB (the heap in use peaks just before one); 0 without a collection. */
    public static long peakHeapMb(Path gcLog) throws java.io.IOException {
        long peak = 0;
        java.util.regex.Matcher m = GC.matcher(Files.readString(gcLog));
        while (m.find()) {
            peak = Math.max(peak, Long.parseLong(m.group(1)));
        }
        return peak;
    }

    /** Seconds of the floor on one PostgreSQL side: {@code count(*)} and a hash over every row's text, both in the server. */
    public static double postgresFloor(String url) throws SQLException {
        long t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + TABLE)) {
                rs.next();
            }
            try (ResultSet rs = s.executeQuery("SELECT sum(hashtextextended(t::text, 0)) FROM " + TABLE + " t")) {
                rs.next();
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Seconds of the floor on a SQLite side: {@code count(*)} and one plain read of every row through JDBC. */
    public static double sqliteFloor(Path file) throws SQLException {
        long t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + file + "?mode=ro"); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + TABLE)) {
                rs.next();
            }
            long sink = 0;
            try (ResultSet rs = s.executeQuery("SELECT rowid, * FROM " + TABLE)) {
                while (rs.next()) {
                    for (int i = 1; i <= 7; i++) {
                        Object o = rs.getObject(i);
                        sink += o == null ? 0 : 1;
                    }
                }
            }
            if (sink < 0) {
                throw new IllegalStateException();
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
