package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.Op;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL types an application uses beyond numbers, text and times arrive exactly, in snapshot and
 * streamed events alike: each as PostgreSQL's own text form of the value (what {@code value::text} gives,
 * which the same type in a target reads back to the same value), with the declared type named in the
 * column's source type. Before, an array stopped the capture, and an interval arrived as approximate
 * microseconds (a month counted as 30.4 days); and arrays of dates or numerics, arrays of more than one
 * dimension and interval arrays stopped the capture, arrived with null elements or were left out.
 */
class SourceTypesIT {
    @TempDir
    Path dir;

    private static final String COLUMNS = """
            tags text[], scores int4[], span interval, mood mood, qty positive_int, price money, addr inet, net cidr,
            flags bit(4), doc xml, attrs hstore, mac macaddr, version ltree, box cube, code isbn, days date[], amounts numeric[], grid int4[][],
            words text[][], spans interval[], prices numeric(10,2)[]""";
    private static final String VALUES = """
            ARRAY['a', 'b c', NULL, 'd"e'], '{1,2,3}', '1 year 2 months 3 days 04:05:06.789012', 'happy', 42, 1234.56,
            '192.168.1.7/24', '10.0.0.0/8', B'0010', '<a x="1">t</a>', 'k=>v, "a b"=>NULL', '08:00:2b:01:02:03', 'top.science.astronomy',
            '(1, 2.5), (3, 4)', '978-0-393-04002-9',
            '{2020-01-02,NULL,-infinity}', '{1.50,NaN}', '{{1,2},{3,4}}', '{{a,"b c"},{NULL,d}}', '{"1 day","2 mons 3 days"}', '{1.5,2.25}'""";

    @Test
    void everyTypeArrivesAsItsExactTextWithItsDeclaredType() throws Exception {
        try (CaptureRun run = new CaptureRun(dir, "types")) {
            run.sql("""
                    CREATE EXTENSION IF NOT EXISTS hstore;
                    CREATE EXTENSION IF NOT EXISTS ltree;
                    CREATE EXTENSION IF NOT EXISTS cube;
                    CREATE EXTENSION IF NOT EXISTS isn;
                    CREATE TYPE mood AS ENUM ('sad', 'happy');
                    CREATE DOMAIN positive_int AS int4 CHECK (VALUE > 0);
                    CREATE TABLE typed (id bigint PRIMARY KEY, %s);
                    INSERT INTO typed VALUES (1, %s);
                    """.formatted(COLUMNS, VALUES));
            run.pipeline("typed").start();
            run.read("typed", Duration.ofSeconds(120), e -> !e.isEmpty());
            run.sql("INSERT INTO typed VALUES (2, %s)".formatted(VALUES));
            List<ChangeEvent> events = run.read("typed", Duration.ofSeconds(120), e -> e.stream().anyMatch(x -> x.op() == Op.CREATE));
            Map<String, String> source = sourceText(run.url);
            for (ChangeEvent e : List.of(events.get(0), events.stream().filter(x -> x.op() == Op.CREATE).findFirst().orElseThrow())) {
                Map<String, String> got = new LinkedHashMap<>();
                Map<String, String> types = new LinkedHashMap<>();
                for (Column c : e.schema().columns()) {
                    if (!c.name().equals("id")) {
                        got.put(c.name(), readBack(run.url, c, e.after().get(c.name())));
                        types.put(c.name(), c.sourceType());
                    }
                }
                assertEquals(source, got, e.op() + " event values, as the column's type reads them: " + e.after());
                for (String printedAlike : List.of("tags", "scores", "mood", "addr", "net", "flags", "doc", "attrs", "mac", "version", "box",
                        "days", "amounts", "grid", "words", "spans", "prices")) {
                    assertEquals(source.get(printedAlike), String.valueOf(e.after().get(printedAlike)),
                            printedAlike + ": the text PostgreSQL prints, so a text target compares equal too");
                }
                assertEquals(Map.ofEntries(Map.entry("tags", "_TEXT"), Map.entry("scores", "_INT4"), Map.entry("span", "INTERVAL"),
                        Map.entry("mood", "MOOD"), Map.entry("qty", "POSITIVE_INT"), Map.entry("price", "MONEY"), Map.entry("addr", "INET"),
                        Map.entry("net", "CIDR"), Map.entry("flags", "BIT(4)"), Map.entry("doc", "XML"),
                        Map.entry("attrs", "HSTORE"), Map.entry("mac", "MACADDR"), Map.entry("version", "LTREE"), Map.entry("box", "CUBE"),
                        Map.entry("code", "ISBN"), Map.entry("days", "_DATE"), Map.entry("amounts", "_NUMERIC"), Map.entry("grid", "_INT4"),
                        Map.entry("words", "_TEXT"), Map.entry("spans", "_INTERVAL"), Map.entry("prices", "_NUMERIC(10,2)")), types, e.op() + " event types");
            }
        }
    }

    /**
     * The value as the source column's own type reads it back, as text: {@code (value::<type>)::text}, the type
     * taken from the source table (the target has a column of the same type). Text, not {@code =}: interval's
     * {@code =} takes a month for 30 days.
     */
    private static String readBack(String url, Column c, Object value) throws Exception {
        try (Connection conn = DriverManager.getConnection(url, "postgres", "");
             java.sql.PreparedStatement ps = conn.prepareStatement("SELECT (?::" + sqlType(conn, c.name()) + ")::text")) {
            ps.setString(1, value == null ? null : value.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static String sqlType(Connection c, String column) throws Exception {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'typed'::regclass AND attname = '" + column + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Each column of row 1 as PostgreSQL's text form. */
    private static Map<String, String> sourceText(String url) throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(url, "postgres", "");
             ResultSet rs = c.createStatement().executeQuery("SELECT * FROM typed WHERE id = 1")) {
            rs.next();
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 2; i <= md.getColumnCount(); i++) {
                m.put(md.getColumnName(i), rs.getString(i));
            }
        }
        return m;
    }
}
