package io.tributary.sink.postgres;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.config.Secret;
import io.tributary.common.metrics.ProcessCpu;
import io.tributary.common.sql.Identifiers;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.postgresql.PGConnection;

/**
 * {@code bin/tributary bench sink}: how fast the sink applies a snapshot of the ML-experiments
 * workload's {@code experiment_metrics} (metrics of training runs, from a SQLite table keyed by its rowid)
 * and then steady updates of existing keys, against raw {@code COPY} of the same rows in the same run (a
 * shared machine's speed varies, so the ratio is the figure to compare). Events are generated batch by batch,
 * so memory stays flat however many rows are applied. Measures the database apply path; Kafka and Avro
 * decoding are not part of it.
 */
public final class SinkBench {
    static final TableSchema METRICS = new TableSchema(new TableRef("experiments", "main", "experiment_metrics"), List.of(
            new Column(TableSchema.ROWID_COLUMN, ColumnType.INT64, "rowid", false),
            new Column("time", ColumnType.TIMESTAMPTZ, "DATETIME", false),
            new Column("experiment_id", ColumnType.INT64, "INTEGER", true),
            new Column("metric_name", ColumnType.TEXT, "TEXT", false),
            new Column("metric_value", ColumnType.FLOAT64, "REAL", false),
            new Column("step", ColumnType.INT64, "INTEGER", true),
            new Column("epoch", ColumnType.INT64, "INTEGER", true)), List.of(TableSchema.ROWID_COLUMN));
    private static final int BATCH = 10_000;
    /** The one snapshot generation of the benchmark's rows: every position starts with it. */
    private static final long GENERATION = 1;

    private SinkBench() {
    }

    /** CPU seconds of one phase: this JVM's (every thread) and the target database's backends'. */
    public record Cpu(double jvm, double backend) {
        Cpu minus(Cpu before) {
            return new Cpu(jvm - before.jvm, backend - before.backend);
        }

        String perMillion(long rows) {
            return String.format("CPU per 1M rows: JVM %5.2f s, PostgreSQL backend %5.2f s", jvm * 1e6 / rows, backend * 1e6 / rows);
        }
    }

    public record Result(long rows, double copySeconds, Cpu copyCpu, double snapshotSeconds, Cpu snapshotCpu, long updates, double updateSeconds,
                         Cpu updateCpu, long maxHeapUsedMb) {
        @Override
        public String toString() {
            return String.format("rows=%d%n  raw COPY:          %6.2f s  %,10.0f rows/s  %s%n"
                            + "  sink snapshot:     %6.2f s  %,10.0f rows/s  %s  (%.2fx COPY time, %.2fx COPY's JVM CPU, %.2fx COPY's backend CPU)%n"
                            + "  sink updates:      %6.2f s  %,10.0f rows/s  %s  (%d updates of existing keys)%n  max heap used:     %d MiB",
                    rows, copySeconds, rows / copySeconds, copyCpu.perMillion(rows),
                    snapshotSeconds, rows / snapshotSeconds, snapshotCpu.perMillion(rows), snapshotSeconds / copySeconds,
                    snapshotCpu.jvm / copyCpu.jvm, snapshotCpu.backend / copyCpu.backend,
                    updateSeconds, updates / updateSeconds, updateCpu.perMillion(updates), updates, maxHeapUsedMb);
        }
    }

    public static Result run(String jdbcUrl, long rows, long updates) throws SQLException, java.io.IOException {
        try (Connection monitor = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            try (Statement s = monitor.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + Identifiers.quote(METRICS.table().table()) + ", "
                        + Identifiers.quote(Bookkeeping.deletesTable(METRICS.table().table())) + ", bench_copy");
            }
            return run(jdbcUrl, monitor, rows, updates);
        }
    }

    /** The run; {@code monitor} reads the backends' CPU time (the COPY's connection, then the sink's). */
    private static Result run(String jdbcUrl, Connection monitor, long rows, long updates) throws SQLException, java.io.IOException {
        double copy;
        Cpu copyCpu;
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            Cpu c0 = cpu(monitor);
            copy = copy(c, rows);
            copyCpu = cpu(monitor).minus(c0); // before the COPY's backend ends
        }
        PipelineConfig.Service service = new PipelineConfig.Service("bench", "bench",
                new PipelineConfig.Database(jdbcUrl, "postgres", Secret.NONE), List.of(METRICS.table()), Map.of(), Duration.ofMinutes(10));
        long maxHeap = 0;
        Cpu s0 = cpu(monitor); // no other backend yet: the applier connects at its first batch
        long t0 = System.nanoTime();
        try (BatchApplier applier = new BatchApplier(service, (t, p, o, k, v, id) -> {
            throw new IllegalStateException("nothing is parked in the benchmark");
        })) {
            for (long first = 1; first <= rows; first += BATCH) {
                applier.apply(batch(first, Math.min(BATCH, rows - first + 1), Op.READ, 0, null));
                maxHeap = Math.max(maxHeap, usedHeapMb());
            }
            double snapshot = (System.nanoTime() - t0) / 1e9;
            Cpu s1 = cpu(monitor);
            Random r = new Random(1);
            long t1 = System.nanoTime();
            for (long done = 0; done < updates; done += BATCH) {
                long first = 1 + (long) (r.nextDouble() * Math.max(1, rows - BATCH));
                applier.apply(batch(first, Math.min(BATCH, updates - done), Op.UPDATE, 1 + done, r));
                maxHeap = Math.max(maxHeap, usedHeapMb());
            }
            double update = (System.nanoTime() - t1) / 1e9;
            Cpu s2 = cpu(monitor);
            return new Result(rows, copy, copyCpu, snapshot, s1.minus(s0), updates, update, s2.minus(s1), maxHeap);
        }
    }

    private static Cpu cpu(Connection monitor) throws SQLException {
        return new Cpu(ProcessCpu.ownSeconds(), ProcessCpu.backendSeconds(monitor));
    }

    /**
     * Events for rows {@code first} to {@code first + n - 1}, positioned as capture-sqlite positions them: the
     * snapshot's rows at commit frame 0, each later batch of changes at a later commit frame.
     */
    private static List<SinkEvent> batch(long first, long n, Op op, long commitFrame, Random r) {
        List<SinkEvent> out = new ArrayList<>((int) n);
        for (long id = first; id < first + n; id++) {
            Map<String, Object> row = row(id, r == null ? 0 : r.nextInt(1000));
            Position pos = Position.of(GENERATION, 0, commitFrame, id);
            out.add(new SinkEvent(new ChangeEvent(METRICS, op, null, row, pos, 0L, "false", "bench", "bench", null, null),
                    "bench", 0, id, null, null, null));
        }
        return out;
    }

    private static Map<String, Object> row(long id, int salt) {
        Map<String, Object> m = new HashMap<>(16);
        m.put(TableSchema.ROWID_COLUMN, id);
        m.put("time", 1_738_368_000_000_000L + id * 1_000_000L);
        m.put("experiment_id", id % 100);
        m.put("metric_name", id % 3 == 0 ? "loss" : "sharpe");
        m.put("metric_value", Math.sin(id + salt) * 1e3);
        m.put("step", id);
        m.put("epoch", id / 1000);
        return m;
    }

    /** Raw COPY of the rows into {@code bench_copy} on {@code c}; returns the seconds it took. */
    private static double copy(Connection c, long rows) throws SQLException, java.io.IOException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE bench_copy (id bigint PRIMARY KEY, time timestamptz NOT NULL, experiment_id bigint, "
                    + "metric_name text NOT NULL, metric_value double precision NOT NULL, step bigint, epoch bigint)");
        }
        long t0 = System.nanoTime();
        var copy = c.unwrap(PGConnection.class).getCopyAPI();
        for (long first = 1; first <= rows; first += BATCH) {
            StringBuilder sb = new StringBuilder();
            for (long id = first; id < Math.min(rows + 1, first + BATCH); id++) {
                Map<String, Object> r = row(id, 0);
                sb.append(id).append('\t').append(Instant.EPOCH.plusNanos((Long) r.get("time") * 1000)).append('\t')
                        .append(r.get("experiment_id")).append('\t').append(r.get("metric_name")).append('\t')
                        .append(r.get("metric_value")).append('\t').append(id).append('\t').append(id / 1000).append('\n');
            }
            copy.copyIn("COPY bench_copy FROM STDIN", new StringReader(sb.toString()));
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static long usedHeapMb() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) >> 20;
    }
}
