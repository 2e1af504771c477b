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
}
