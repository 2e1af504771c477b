package io.tributary.ops.cutover;

import io.tributary.capture.sqlite.SqliteFence;
import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A source's position read when a cutover starts, and whether its capture has since passed it, so that every
 * change committed before it is in the per-table topics. PostgreSQL: {@code pg_current_wal_lsn()}, passed
 * when the slot's {@code confirmed_flush_lsn} reaches it (capture-postgres confirms an LSN only after Kafka
 * acknowledged the events up to it; its heartbeats move the slot while the tables are idle). SQLite: the WAL's
 * end against the capture's stored position ({@link SqliteFence}).
 */
interface SourceFence extends AutoCloseable {
    /** Whether the capture has passed the fence now. */
    boolean passed() throws SQLException;

    /** The source and the fence, as an operator reads them. */
    String describe();

    @Override
    default void close() throws SQLException {
    }

    /** Reads the fence of {@code source} now. */
    static SourceFence read(PipelineConfig config, PipelineConfig.Source source, SchemaRegistryClient registry)
            throws SQLException, java.io.IOException, InterruptedException {
        if (source.isSqlite()) {
            SqliteFence fence = SqliteFence.read(config, registry, source);
            return new SourceFence() {
                @Override
                public boolean passed() {
                    return fence.passed();
                }

                @Override
                public String describe() {
                    return "source " + source.name() + " at " + fence;
                }

                @Override
                public void close() {
                    fence.close();
                }
            };
        }
        return new Postgres(source);
    }

    /** The PostgreSQL fence: an LSN and the capture's replication slot. */
    final class Postgres implements SourceFence {
        private final PipelineConfig.Source source;
        private final Connection c;
        private final String lsn;
        private String confirmed;

        Postgres(PipelineConfig.Source source) throws SQLException {
            this.source = source;
            this.c = Preflight.connect(source.postgres().url(), source.postgres().user(), source.postgres().password());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                this.lsn = rs.getString(1);
            }
        }

        @Override
        public boolean passed() throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT confirmed_flush_lsn::text, confirmed_flush_lsn >= ?::pg_lsn "
                    + "FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, lsn);
                ps.setString(2, source.postgres().slot());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        confirmed = "nothing: the slot does not exist (has capture-postgres started?)";
                        return false;
                    }
                    confirmed = rs.getString(1);
                    return rs.getBoolean(2);
                }
            }
        }

        @Override
        public String describe() {
            return "source " + source.name() + " at LSN " + lsn + " (slot " + source.postgres().slot() + " confirmed "
                    + (confirmed == null ? "nothing yet" : confirmed) + ")";
        }

        @Override
        public void close() throws SQLException {
            c.close();
        }
    }
}
