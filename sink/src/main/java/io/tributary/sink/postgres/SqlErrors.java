package io.tributary.sink.postgres;

import java.sql.SQLException;

/**
 * Tells retriable database errors from permanent ones by SQLState, walking the exception chain (as
 * Debezium's PostgresErrorHandler does). Retriable: connection loss (08, or no state at all), serialization
 * failure and deadlock (40001, 40P01), shutdown, statement timeout and resource limits (57P, 57014, 53, 55P03),
 * and a table another sink created at the same moment (42P07). Per record: data and
 * integrity errors (22, 23), with a missing foreign-key parent (23503) told apart. Anything else (an
 * undefined column, a permission) is fatal: retrying cannot help.
 */
final class SqlErrors {
    enum Kind { RETRIABLE, MISSING_PARENT, PER_RECORD, FATAL }

    private SqlErrors() {
    }

    static Kind classify(SQLException e) {
        String state = state(e);
        if (state == null || state.startsWith("08") || state.equals("40001") || state.equals("40P01")
                || state.startsWith("57P") || state.equals("57014") || state.startsWith("53") || state.equals("55P03") || state.equals("42P07")
                || state.equals("55000") && e.getMessage().contains("recovery")) {
            return Kind.RETRIABLE;
        }
        if (state.equals("23503")) {
            return Kind.MISSING_PARENT;
        }
        if (state.startsWith("22") || state.startsWith("23")) {
            return Kind.PER_RECORD;
        }
        return Kind.FATAL;
    }

    static String state(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s) {
                if (s.getSQLState() != null) {
                    return s.getSQLState();
                }
                if (s.getNextException() != null && s.getNextException().getSQLState() != null) {
                    return s.getNextException().getSQLState();
                }
            }
        }
        return null;
    }

    static String describe(SQLException e) {
        SQLException detail = e.getNextException() != null ? e.getNextException() : e;
        return "SQLState " + state(e) + ": " + detail.getMessage();
    }
}
