package io.tributary.capture.sqlite;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.TableRef;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.kafka.ChangeEventWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consistent snapshot of a SQLite source's tables: every table is read inside ONE read transaction, so
 * all rows reflect a single committed state even while the application keeps writing (WAL mode readers see
 * a fixed snapshot). Each row becomes an {@code op=r} event at position {@code [generation, 0, 0, n]},
 * where the generation is the snapshot's start time in ms, so a later snapshot is newer than an earlier one.
 *
 * <p>Does not capture changes after the snapshot (that is the WAL tailer's job), nor deletes between two
 * snapshots.
 */
final class SqliteSnapshot {
    private static final Logger log = LoggerFactory.getLogger(SqliteSnapshot.class);

    private SqliteSnapshot() {
    }

    static long run(PipelineConfig.Source source, ChangeEventWriter writer) throws SQLException {
        long generation = System.currentTimeMillis();
        long n = 0;
        String url = "jdbc:sqlite:file:" + source.sqlite().path() + "?mode=ro";
        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
                List<TableRef> tables = source.tables();
                for (int ti = 0; ti < tables.size(); ti++) {
                    TableSchema schema = SqliteTables.read(c, tables.get(ti));
                    long rows = 0;
                    try (ResultSet rs = s.executeQuery(SqliteTables.selectAll(schema))) {
                        List<Column> cols = schema.columns();
                        while (rs.next()) {
                            Map<String, Object> row = new HashMap<>(cols.size() * 2);
                            for (int i = 0; i < cols.size(); i++) {
                                row.put(cols.get(i).name(), SqliteTables.value(rs.getObject(i + 1), cols.get(i), schema));
                            }
                            n++;
                            rows++;
                            writer.write(new ChangeEvent(schema, Op.READ, null, row, Position.of(generation, 0, 0, n), generation,
                                    "true", "sqlite", source.sqlite().path().getFileName().toString(), null, null));
                        }
                    }
                    log.info("snapshot table done source={} table={} rows={}", source.name(), schema.table().table(), rows);
                }
            } finally {
                c.rollback();
            }
        }
        writer.flush();
        return n;
    }
}
