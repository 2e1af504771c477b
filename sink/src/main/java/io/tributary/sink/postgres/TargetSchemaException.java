package io.tributary.sink.postgres;

import java.util.List;

/**
 * A migration-owned target table that does not fit the source, or a hypertable that does not fit its
 * TimescaleDB declaration in a way TimescaleDB cannot change; lists every difference and how to fix it.
 */
final class TargetSchemaException extends RuntimeException {
    TargetSchemaException(String table, List<String> differences) {
        this(table, "the source", differences);
    }

    TargetSchemaException(String table, String what, List<String> differences) {
        super("target table " + table + " does not fit " + what + " (" + differences.size() + " difference(s)):\n  - "
                + String.join("\n  - ", differences));
    }
}
