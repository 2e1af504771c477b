package io.tributary.common.lease;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.Secret;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The lease of a PostgreSQL source: a session-level advisory lock in the source database, keyed by the source
 * name ({@code pg_try_advisory_lock(hashtext('tributary.capture'), hashtext(source))}), held by a connection of
 * its own. PostgreSQL frees it when that session ends, so an instance killed with {@code kill -9} loses it as
 * soon as the server sees its connection close. The replication slot admits one reader anyway; the lease makes
 * the standby wait quietly instead of failing on an active slot.
 */
public final class PostgresLease implements Lease {
    private final String source;
    private final String url;
    private final String user;
    private final Secret password;
    private Connection session;

    public PostgresLease(String source, String url, String user, Secret password) {
        this.source = source;
        this.url = url;
        this.user = user;
        this.password = password;
    }

    @Override
    public synchronized boolean tryAcquire() throws SQLException {
        if (held()) {
            return true;
        }
        close();
        Connection c = Preflight.connect(url, user, password);
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(hashtext('tributary.capture'), hashtext(?))")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getBoolean(1)) {
                    session = c;
                    try (Statement s = c.createStatement()) {
                        s.execute("SET application_name = 'tributary-capture-lease'");
                    }
                    return true;
                }
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        c.close();
        return false;
    }

    @Override
    public synchronized boolean held() {
        if (session == null) {
            return false;
        }
        try {
            return session.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public String describe() {
        return "advisory lock of source '" + source + "' in its database";
    }

    @Override
    public synchronized void close() {
        if (session != null) {
            try {
                session.close(); // ends the session: the advisory lock goes with it
            } catch (SQLException e) {
                // the session is gone either way, and the lock with it
            }
            session = null;
        }
    }
}
