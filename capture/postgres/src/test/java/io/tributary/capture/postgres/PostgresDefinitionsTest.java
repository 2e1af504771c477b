package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Which source defaults the target gets: what any PostgreSQL can evaluate, a literal without its (maybe application) type. */
class PostgresDefinitionsTest {
    @Test
    void portableDefaultsAreKeptAndTheRestLeftOut() {
        assertEquals("now()", PostgresDefinitions.portable("now()"));
        assertEquals("CURRENT_TIMESTAMP", PostgresDefinitions.portable("CURRENT_TIMESTAMP"));
        assertEquals("0", PostgresDefinitions.portable("0"));
        assertEquals("(0)::numeric", PostgresDefinitions.portable("(0)::numeric"));
        assertEquals("'it''s'", PostgresDefinitions.portable("'it''s'::text"));
        assertEquals("'active'", PostgresDefinitions.portable("'active'::order_status"), "an enum literal takes the target column's type");
        assertEquals("(now() AT TIME ZONE 'utc'::text)", PostgresDefinitions.portable("(now() AT TIME ZONE 'utc'::text)"));
        assertEquals("gen_random_uuid()", PostgresDefinitions.portable("gen_random_uuid()"));
        assertEquals("(now() + '1 day'::interval)", PostgresDefinitions.portable("(now() + '1 day'::interval)"));
        assertNull(PostgresDefinitions.portable("app.next_code()"), "a function of the application's");
        assertNull(PostgresDefinitions.portable("nextval('other_seq'::regclass) * 2"));
    }
}
