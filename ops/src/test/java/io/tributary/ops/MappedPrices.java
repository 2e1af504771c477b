package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.testkit.Sql;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;

/**
 * The migration plan's mapping, end to end, for either kind of source: {@code price_history} keyed by an integer
 * id becomes the target table {@code prices}, {@code date} renamed {@code time}, {@code open_price} renamed
 * {@code open}, {@code note} left out, keyed by {@code (symbol, time)}. The source rows, the live changes (one
 * update moves a row to another target key, a later insert takes the key it left) and the checks are the same
 * for both sources; only the DDL differs.
 */
final class MappedPrices {
    static final String OPTIONS = """
                options:
                  price_history:
                    target-table: prices
                    rename: { date: time, open_price: open }
                    exclude: [note]
                    key: [symbol, time]
            """;
    static final int SEEDED = 40;

    private MappedPrices() {
    }

    /** {@code price_history} with {@value #SEEDED} rows, unique on (symbol, date): row i is symbol S(i%4) on day 1 + i/4 of January 2024. */
    static void seed(String url, String ddl) throws Exception {
        StringBuilder sql = new StringBuilder(ddl).append(";\nINSERT INTO price_history VALUES ");
        for (int i = 1; i <= SEEDED; i++) {
            sql.append(i == 1 ? "" : ", ").append(row(i, "S" + i % 4, day(1 + i / 4), 10.0 + i));
        }
        execute(url, sql + ";\n");
    }

    private static String day(int d) {
        return "2024-01-%02d 00:00:00".formatted(d);
    }

    private static String row(long id, String symbol, String date, double open) {
        return "(" + id + ", '" + symbol + "', '" + date + "', " + open + ", " + (open + 0.5) + ", 'note " + id + "')";
    }

    /** Inserts, updates (of a kept column, of a left-out one, of each target key column) and a delete, live. */
    static void liveChanges(String url) throws Exception {
        execute(url, "INSERT INTO price_history VALUES " + row(101, "NEW", "2024-03-01 00:00:00", 1.5) + ";\n"
                + "UPDATE price_history SET open_price = 99.5 WHERE id = 2;\n"
                + "UPDATE price_history SET symbol = 'MOVED' WHERE id = 3;\n"
                + "UPDATE price_history SET date = '2025-01-01 00:00:00' WHERE id = 4;\n"
                + "DELETE FROM price_history WHERE id = 5;\n"
                + "UPDATE price_history SET note = 'only a left-out column' WHERE id = 6;\n"
                + "INSERT INTO price_history VALUES " + row(102, "S3", day(1), 7.0) + ";\n");
    }

    /** The target in the service's shape: its columns, its key, the moved row under its new key and the freed key reused. */
    static void assertTargetShape(String targetUrl) throws Exception {
        assertEquals(List.of(List.of("id"), List.of("symbol"), List.of("time"), List.of("open"), List.of("close_price")),
                Sql.rows(targetUrl, "SELECT column_name FROM information_schema.columns WHERE table_name = 'prices' "
                        + "AND column_name NOT LIKE '\\_tributary\\_%' ORDER BY ordinal_position"));
        assertEquals(List.of(List.of("symbol"), List.of("time")), Sql.rows(targetUrl, "SELECT a.attname FROM pg_index i "
                + "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'prices'::regclass "
                + "AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)"));
        assertEquals(List.of(List.of("102", "7")), Sql.rows(targetUrl, "SELECT id, open FROM prices WHERE symbol = 'S3' AND time = '2024-01-01'"));
        assertEquals(List.of(List.of("3")), Sql.rows(targetUrl, "SELECT id FROM prices WHERE symbol = 'MOVED'"));
        assertEquals(List.of(List.of("4")), Sql.rows(targetUrl, "SELECT id FROM prices WHERE time = '2025-01-01'"));
        assertEquals(List.of(List.of(String.valueOf(SEEDED + 1))), Sql.rows(targetUrl, "SELECT count(*) FROM prices"));
    }

    /**
     * {@code tributary reconcile} passes through the mapping; a replay into an empty database rebuilds the target;
     * a row changed in the target behind the pipeline's back is named by its target key.
     */
    static void assertReconcileAndReplay(Path pipeline, String service, String targetUrl, String emptyUrl) throws Exception {
        StringWriter out = new StringWriter();
        assertEquals(0, cli(out, "reconcile", "--config", pipeline.toString(), "--settle", "0"), out.toString());
        assertTrue(out.toString().contains("PASS: 1 of 1 tables pass"), out.toString());

        out.getBuffer().setLength(0);
        assertEquals(0, cli(out, "replay", "--config", pipeline.toString(), "--service", service, "--to", emptyUrl, "--json", "--settle", "0"),
                out.toString());
        assertEquals("PASS", new ObjectMapper().readTree(out.toString()).path("verdict").asText(), out.toString());
        assertEquals(List.of(List.of(String.valueOf(SEEDED + 1))), Sql.rows(emptyUrl, "SELECT count(*) FROM prices"));

        execute(targetUrl, "UPDATE prices SET open = -1 WHERE id = 7");
        out.getBuffer().setLength(0);
        assertEquals(1, cli(out, "reconcile", "--config", pipeline.toString(), "--settle", "0", "--json"), out.toString());
        JsonNode difference = new ObjectMapper().readTree(out.toString()).path("tables").get(0).path("differences").get(0);
        assertEquals("S3", difference.path("key").get(0).asText(), out.toString());
        assertTrue(difference.path("key").get(1).asText().startsWith("2024-01-02"), out.toString());
        assertEquals(-1.0, difference.path("target").path("open").asDouble(), out.toString());
    }

    /** Runs the transform's start-up on {@code pipeline}; returns its exit code and what it printed. */
    static String refusedTransform(Path pipeline) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = io.tributary.transform.TransformApp.run(new String[] {"--config", pipeline.toString()}, new CountDownLatch(1));
            return code + "\n" + buf.toString(StandardCharsets.UTF_8);
        } finally {
            System.setErr(old);
        }
    }

    private static int cli(StringWriter out, String... args) {
        CommandLine cl = TributaryCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        return cl.execute(args);
    }

    static void execute(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            if (url.startsWith("jdbc:sqlite:")) {
                s.execute("PRAGMA busy_timeout = 5000");
                for (String one : sql.split(";\n")) {
                    if (!one.isBlank()) {
                        s.execute(one);
                    }
                }
                return;
            }
            s.execute("SET TIME ZONE 'UTC'"); // the dates written as text are UTC, as the SQLite source's
            s.execute(sql);
        }
    }
}
