package io.tributary.sink.postgres;

import java.util.List;

/** A migration-owned target table that does not fit the source; lists every difference and how to fix it. */
final class TargetSchemaException extends RuntimeException {
    TargetSchemaException(String table, List<String> differences) {
        super("target table " + table + " does not fit the source (" + differences.size() + " difference(s)):\n  - "
                + String.join("\n  - ", differences));
    }
}
