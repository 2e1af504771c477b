package io.tributary.sink.postgres;

import java.sql.SQLException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Tells retriable database errors from permanent ones by SQLState, walking the exception chain (as
 * Debezium's PostgresErrorHandler does). Retriable: connection loss (08, or no state at all), serialization
 * failure and deadlock (40001, 40P01), shutdown, statement timeout and resource limits (57P, 57014, 53, 55P03),
 * and a table another sink created at the same moment (42P07). Per record: data and
 * integrity errors (22, 23), with those that a later event can resolve told apart: a foreign key (23503: a
 * child whose parent row is not there yet, or a parent delete whose children are still there) and a unique or
 * exclusion constraint other than the key (23505, 23P01: a value another row still holds, until that row's
 * own change arrives). Anything else (an undefined column, a permission) is fatal: retrying cannot help.
 */
final class SqlErrors {
    enum Kind {
        RETRIABLE, MISSING_PARENT, UNIQUE_TAKEN, PER_RECORD, FATAL;

        /** True when another event (a parent, the row holding a unique value) may make the record apply: park it. */
        boolean waits() {
            return this == MISSING_PARENT || this == UNIQUE_TAKEN;
        }

        /** The record cannot be applied now, or ever: retrying the batch cannot help (retriable and fatal errors can). */
        boolean perRecord() {
            return this == PER_RECORD || waits();
        }
    }

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
        if (state.equals("23505") || state.equals("23P01")) {
            return Kind.UNIQUE_TAKEN;
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

    /**
     * The reason for logs and dead-letter headers, without row data: the SQLState, PostgreSQL's primary
     * message (never its Detail, which repeats the failing row), and the table, column, constraint and type it
     * names. Data errors (22xxx) quote the offending value in the primary message; it is replaced by
     * {@code "(value)"}. The record itself is in the dead-letter topic.
     */
    static String describe(SQLException e) {
        String state = state(e);
        ServerErrorMessage server = serverMessage(e);
        String primary = server != null && server.getMessage() != null ? server.getMessage() : firstLine(e);
        if (state != null && state.startsWith("22")) {
            primary = primary.replaceAll("\"(?:[^\"]|\"\")*\"", "\"(value)\"");
        }
        StringBuilder sb = new StringBuilder("SQLState ").append(state).append(": ").append(primary);
        if (server != null) {
            append(sb, "table", server.getTable());
            append(sb, "column", server.getColumn());
            append(sb, "constraint", server.getConstraint());
            append(sb, "type", server.getDatatype());
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, String what, String name) {
        if (name != null) {
            sb.append(' ').append(what).append('=').append(name);
        }
    }

    private static ServerErrorMessage serverMessage(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (SQLException s = t instanceof SQLException q ? q : null; s != null; s = s.getNextException()) {
                if (s instanceof PSQLException p && p.getServerErrorMessage() != null) {
                    return p.getServerErrorMessage();
                }
            }
        }
        return null;
    }

    /** A message without PgJDBC's batch statement text (which carries the bound values) or a Detail line. */
    private static String firstLine(SQLException e) {
        String m = String.valueOf(e.getMessage());
        int cut = m.indexOf('\n');
        m = cut < 0 ? m : m.substring(0, cut);
        return m.startsWith("Batch entry") ? "a statement of the batch failed" : m;
    }
}
