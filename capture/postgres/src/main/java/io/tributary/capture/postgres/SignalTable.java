package io.tributary.capture.postgres;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Identifiers;
import io.tributary.schemas.event.TableRef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The source's signal table, Debezium's {@code source} signal channel: capture-postgres asks Debezium for an
 * incremental snapshot of a table by inserting a row ({@code execute-snapshot}). Debezium reads the row
 * back from the WAL and executes it on the thread that streams, at that point of the stream. A Kafka or
 * in-process signal would be executed on another thread, whose first chunk read races the stream (Debezium
 * DBZ-8674: a {@code ConcurrentModificationException} stopped the capture under load in our tests).
 *
 * <p>The table is {@code (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))}, in the
 * publication like the captured tables; its rows stay (one small row per request). The watermarks stay
 * read-only ({@code pg_current_snapshot()}): nothing else is written to the source.
 */
final class SignalTable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PipelineConfig.Postgres pg;

    SignalTable(PipelineConfig.Postgres pg) {
        this.pg = pg;
    }

    /** The table quoted for SQL. */
    static String quoted(String schemaTable) {
        String[] parts = schemaTable.split("\\.", 2);
        return Identifiers.quote(parts[0]) + "." + Identifiers.quote(parts[1]);
    }

    /**
     * Creates the table when missing; what is wrong (for the start-up check to report) when it cannot be made
     * or the user may not insert into it.
     */
    static Optional<String> ensure(Connection c, PipelineConfig.Postgres pg) throws SQLException {
        String table = pg.signalTable();
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, quoted(table));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    try (Statement s = c.createStatement()) {
                        s.execute("CREATE TABLE IF NOT EXISTS " + quoted(table)
                                + " (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))");
                    } catch (SQLException e) {
                        return Optional.of("the signal table " + table + " does not exist and user '" + pg.user() + "' cannot create it ("
                                + Preflight.rootMessage(e) + ")");
                    }
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT has_table_privilege(?::regclass, 'INSERT')")) {
            ps.setString(1, quoted(table));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1) ? Optional.empty() : Optional.of("user '" + pg.user() + "' may not insert into the signal table " + table);
            }
        }
    }

    /** Asks Debezium for an incremental snapshot of {@code t} (data collections are regular expressions to it). */
    void executeSnapshot(TableRef t, String request) {
        ObjectNode data = JSON.createObjectNode().put("type", "incremental");
        data.putArray("data-collections").add(Pattern.quote(t.schema()) + "\\." + Pattern.quote(t.table()));
        try (Connection c = Preflight.connect(pg.url(), pg.user(), pg.password());
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + quoted(pg.signalTable()) + " (id, type, data) VALUES (?, 'execute-snapshot', ?)")) {
            ps.setString(1, "tributary-" + UUID.randomUUID());
            ps.setString(2, data.toString());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot ask for a snapshot of " + t + " (request " + request + "): inserting into the signal table "
                    + pg.signalTable() + " failed (" + Preflight.rootMessage(e) + "); check that the source is reachable and the user may insert there", e);
        }
    }
}
