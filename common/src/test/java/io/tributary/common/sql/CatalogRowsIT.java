package io.tributary.common.sql;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.testkit.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one-parameter catalog queries of capture-postgres and the sink, against a real PostgreSQL. */
class CatalogRowsIT {
    @Test
    void bindsAnOidTextOrATextArrayAndReadsEachRowAsStrings() throws Exception {
        try (Connection c = DriverManager.getConnection(TestServers.postgresUrl(), "postgres", "")) {
            List<String[]> byOid = CatalogRows.of(c, "SELECT relname, NULL::text FROM pg_class WHERE oid = ?::oid", 1259L);
            assertEquals(1, byOid.size());
            assertArrayEquals(new String[] {"pg_class", null}, byOid.get(0));

            List<String[]> byText = CatalogRows.of(c, "SELECT upper(?), 2::int", "abc");
            assertArrayEquals(new String[] {"ABC", "2"}, byText.get(0));

            List<String[]> byArray = CatalogRows.of(c, "SELECT t FROM unnest(?::text[]) AS t ORDER BY t", List.of("b", "a"));
            assertEquals(List.of("a", "b"), byArray.stream().map(r -> r[0]).toList());
        }
    }
}
