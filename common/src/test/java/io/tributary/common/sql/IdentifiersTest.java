package io.tributary.common.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class IdentifiersTest {
    @Test
    void quotesAndKeepsCase() {
        assertEquals("\"Order\"", Identifiers.quote("Order"));
        assertEquals("\"my-table\"", Identifiers.quote("my-table"));
    }

    @Test
    void anEmbeddedDoubleQuoteIsDoubledSoTheNameCannotEndEarly() {
        assertEquals("\"a\"\"b\"", Identifiers.quote("a\"b"));
        assertEquals("\"x\"\" ; DROP TABLE t; --\"", Identifiers.quote("x\" ; DROP TABLE t; --"));
        assertEquals("\"\"\"\"\"\"", Identifiers.quote("\"\""));
    }

    @Test
    void aMadeUpNameFitsPostgresAndLongNamesStayApart() {
        assertEquals("short_key", Identifiers.fitted("short_key"));
        String a = Identifiers.fitted("x".repeat(70) + "_a_fkey");
        String b = Identifiers.fitted("x".repeat(70) + "_b_fkey");
        org.junit.jupiter.api.Assertions.assertTrue(Identifiers.fitsPostgres(a) && Identifiers.fitsPostgres(b), a);
        org.junit.jupiter.api.Assertions.assertNotEquals(a, b);
        assertEquals(a, Identifiers.fitted("x".repeat(70) + "_a_fkey"), "the same name next time");
    }
}
