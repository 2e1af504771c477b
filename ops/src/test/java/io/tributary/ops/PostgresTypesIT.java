package io.tributary.ops;

import static io.tributary.ops.PostgresScenario.await;
import static io.tributary.ops.PostgresScenario.sql;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tributary.testkit.Sql;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL source's types beyond the contract's (enums, domains, arrays of any element and dimension,
 * interval, money, inet/cidr, bit(n), xml, hstore) arrive in target columns of the same type, equal as
 * {@code ::text} on both sides, for snapshot and streamed rows alike. An enum the target does not have gets a
 * text column holding the same text. Before, the sink made every such column text (interval in ISO form,
 * money as numeric), and multi-dimensional arrays and arrays of dates or numerics stopped the capture.
 */
class PostgresTypesIT {
    @TempDir
    Path dir;

    private static final String TYPES = """
            CREATE EXTENSION IF NOT EXISTS hstore;
            CREATE TYPE mood AS ENUM ('sad', 'happy');
            CREATE DOMAIN positive_int AS int4 CHECK (VALUE > 0);
            """;
    private static final String COLUMNS = """
            id bigint PRIMARY KEY, tags text[], grid int4[][], days date[], amounts numeric(10,2)[], spans interval[], moods mood[],
            span interval, mood mood, qty positive_int, price money, addr inet, net cidr, flags bit(4), doc xml, attrs hstore,
            colour colour""";
    private static final String VALUES = """
            ARRAY['a', 'b c', NULL, 'd"e'], '{{1,2},{3,4}}', '{2020-01-02,NULL,-infinity}', '{1.50,NaN}', '{"1 day","2 mons 3 days"}',
            '{happy,sad}', '1 year 2 months 3 days 04:05:06.789012', 'happy', 42, 1234.56, '192.168.1.7/24', '10.0.0.0/8', B'0010',
            '<a x="1">t</a>', 'k=>v, "a b"=>NULL', 'red'""";

    @Test
    void everyTypeArrivesInAColumnOfItsOwnTypeWithEqualText() throws Exception {
        PostgresScenario pg = new PostgresScenario(dir, "pgtypes");
        sql(pg.sourceUrl, TYPES + "CREATE TYPE colour AS ENUM ('red', 'blue');\nCREATE TABLE typed (" + COLUMNS + ");\n"
                + "INSERT INTO typed VALUES (1, " + VALUES + ");");
        sql(pg.targetUrl, TYPES); // the enum colour only in the source: its column falls back to text
        pg.pipeline("typed");
        try (PipelineRunner runner = new PipelineRunner(pg.file)) {
            await(() -> pg.targetCount("typed") == 1, Duration.ofSeconds(180), "the snapshot row in the target");
            sql(pg.sourceUrl, "INSERT INTO typed VALUES (2, " + VALUES + "); "
                    + "UPDATE typed SET grid = '{{5,6},{7,NULL}}', mood = 'sad', span = '-1 mons +2 days', colour = 'blue', moods = '{sad}' WHERE id = 1");
            await(() -> rows(pg.targetUrl).equals(rows(pg.sourceUrl)), Duration.ofSeconds(180), "streamed rows equal as text: " + rows(pg.sourceUrl));
            Map<String, String> expected = new LinkedHashMap<>(types(pg.sourceUrl));
            expected.put("colour", "text");
            assertEquals(expected, types(pg.targetUrl), "each target column has the source column's type (colour: not in the target)");
            assertEquals(rows(pg.sourceUrl), rows(pg.targetUrl));
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }

    /** Each column's type, as format_type prints it, bookkeeping left out. */
    private static Map<String, String> types(String url) throws Exception {
        return Sql.rows(url, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'typed'::regclass "
                + "AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\\_tributary%' ORDER BY attnum").stream()
                .collect(Collectors.toMap(r -> r.get(0), r -> r.get(1), (a, b) -> a, LinkedHashMap::new));
    }

    /** Every row, each column as {@code ::text}. */
    private static List<List<String>> rows(String url) throws Exception {
        String columns = types(url).keySet().stream().map(c -> c + "::text").collect(Collectors.joining(", "));
        return Sql.rows(url, "SELECT " + columns + " FROM typed ORDER BY id");
    }
}
