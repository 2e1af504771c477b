package io.tributary.sink.postgres;

import io.tributary.common.config.PipelineConfig;
import io.tributary.sink.timescale.HistoryLedger;
import io.tributary.sink.timescale.Hypertables;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The hypertable side of one service's batches, inside each batch's transaction: where the older versions
 * of the batch's rows may be ({@link HypertableRows#prior}, from every event of the batch, before only the
 * newest per key is kept), and the history work the batch owes ({@link HistoryLedger}): a refresh of the
 * span its rows older than the refresh policies' windows cover, and, when a table's snapshot ends, a refresh
 * of its whole span and the compression of its history.
 *
 * <p>A snapshot ends for a table at an event marked {@code last}, at a generation marker for it (sent after
 * a SQLite snapshot's rows), or at its first change event after snapshot rows in this process.
 */
final class TimescaleBatch {
    private final PipelineConfig.Service service;
    private final Set<String> snapshotting = new HashSet<>();
    private final Map<String, HypertableRows.Prior> priors = new HashMap<>();
    private List<SinkEvent> batch = List.of();

    TimescaleBatch(PipelineConfig.Service service) {
        this.service = service;
    }

    /** Whether the service declares any hypertable. */
    boolean declared() {
        return service.options().values().stream().anyMatch(o -> o.timescale() != null);
    }

    /** A new batch: every event of it, duplicates and superseded events included. */
    void start(List<SinkEvent> all) {
        batch = all;
        priors.clear();
    }

    /** Where the older versions of the rows {@code w} writes in this batch may be. */
    HypertableRows.Prior prior(TableWriter w) {
        HypertableRows rows = w.hypertable();
        if (rows == null) {
            return HypertableRows.Prior.NONE;
        }
        String table = w.table();
        return priors.computeIfAbsent(table, t -> rows.prior(batch.stream().filter(e -> e.schema().table().table().equals(t)).toList()));
    }

    /**
     * Records what the batch owes, before its transaction commits.
     *
     * @param newGenerations the tables whose new generation came into force in this batch (a marker received but
     *                       still waiting for its snapshot's last row ends nothing yet)
     */
    void owe(Connection db, Collection<TableWriter> writers, Collection<String> newGenerations) throws SQLException {
        for (TableWriter w : writers) {
            Instant[] span = w.hypertable() == null ? null : w.hypertable().takeHistorySpan();
            if (span != null) {
                HistoryLedger.refresh(db, w.table(), span[0], span[1]);
            }
        }
        Set<String> ended = new LinkedHashSet<>(newGenerations);
        for (SinkEvent e : batch) {
            String table = e.schema().table().table();
            if ("last".equals(e.event().snapshot())) {
                ended.add(table);
                snapshotting.remove(table);
            } else if (e.event().isSnapshot()) {
                snapshotting.add(table);
            } else if (snapshotting.remove(table)) {
                ended.add(table);
            }
        }
        if (!ended.isEmpty() && Hypertables.available(db)) {
            HistoryLedger.ensure(db); // a hypertable made by an older sink has no ledger yet
        }
        for (String table : ended) {
            PipelineConfig.Timescale ts = service.options(table).timescale();
            if (ts != null && Hypertables.available(db) && Hypertables.isHypertable(db, table)) {
                HistoryLedger.wholeTable(db, table, ts.compressAfter() != null);
            }
        }
        batch = List.of();
    }
}
