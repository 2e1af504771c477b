package io.tributary.ops.reconcile;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.schemas.event.TableRef;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares every owned table of a pipeline, source against target, in the target's terms ({@link Canonical}):
 * counts, then checksums over key ranges narrowed by bisection to the rows that differ
 * ({@link TableReconciler}), so that a table of any size costs streaming reads, not memory. The sink's
 * bookkeeping columns and the rows a {@code delete: soft} table keeps flagged deleted are left out of the
 * target side. Behind {@code bin/tributary reconcile}, the demo and the end-to-end tests.
 */
public final class Reconciler {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private Reconciler() {
    }

    /** Every owned table, every row, exactly, without a settle period. */
    public static List<TableReport> reconcile(PipelineConfig config) {
        return reconcile(config, ReconcileOptions.exact(), null, null, Progress.NONE);
    }

    /**
     * The owned tables of {@code service} (every service when null) whose name is {@code table} (as
     * {@code table}, {@code schema.table} or {@code source.schema.table}; every table when null). A table that
     * cannot be compared (unreachable database, missing table) is reported with its error, never skipped.
     */
    public static List<TableReport> reconcile(PipelineConfig config, ReconcileOptions options, String service, String table, Progress progress) {
        List<TableReport> out = new ArrayList<>();
        for (PipelineConfig.Service svc : config.services()) {
            if (service != null && !svc.name().equals(service)) {
                continue;
            }
            List<TableRef> tables = svc.tables().stream().filter(t -> table == null || named(svc, t, table)).toList();
            if (tables.isEmpty()) {
                continue;
            }
            try (Connection target = Preflight.connect(svc.target().url(), svc.target().user(), svc.target().password())) {
                for (TableRef t : tables) {
                    out.add(table(config, svc, t, target, options, progress));
                }
            } catch (SQLException e) {
                for (TableRef t : tables) {
                    out.add(TableReport.failed(svc.name(), t.topic(), "cannot connect to the target database of service " + svc.name()
                            + " at " + svc.target().url() + ": " + Preflight.rootMessage(e), 0));
                }
            }
        }
        return out;
    }

    /** Whether {@code name} names the table: as {@code table}, {@code schema.table} or {@code source.schema.table}. */
    public static boolean named(TableRef t, String name) {
        return name.equals(t.table()) || name.equals(t.qualifiedName()) || name.equals(t.topic());
    }

    /** Whether {@code name} names an owned table of {@code svc}: as {@link #named}, or by its target table's name. */
    private static boolean named(PipelineConfig.Service svc, TableRef t, String name) {
        return named(t, name) || name.equals(svc.targetTable(t));
    }

    private static TableReport table(PipelineConfig config, PipelineConfig.Service svc, TableRef t, Connection target,
                                     ReconcileOptions options, Progress progress) {
        long t0 = System.nanoTime();
        PipelineConfig.Source source = config.source(t.source()).orElseThrow();
        String timeColumn = options.windowed() ? timeColumn(svc, t, options) : null;
        try (Connection src = open(source); Connection pages = open(source)) {
            TablePlan plan = TablePlan.of(svc, t, source.isSqlite(), src, target, options, timeColumn);
            if (!plan.problems().isEmpty()) {
                return TableReport.failed(svc.name(), t.topic(), String.join("; ", plan.problems()), seconds(t0));
            }
            Side there = new PostgresSide(plan, target, true, options.since(), options.until());
            TableReport r = new TableReconciler(plan, side(plan, source, src, options), side(plan, source, pages, options), there, options, progress).run();
            log.info("reconciled service={} table={} verdict={} source_rows={} target_rows={} missing={} extra={} changed={} seconds={}",
                    svc.name(), t.topic(), r.verdict(), r.sourceRows(), r.targetRows(), r.missing(), r.extra(), r.changed(),
                    String.format("%.1f", r.seconds()));
            return r;
        } catch (SQLException e) {
            return TableReport.failed(svc.name(), t.topic(), "reading " + t.topic() + " failed: " + Preflight.rootMessage(e), seconds(t0));
        } catch (RuntimeException e) {
            log.error("reconcile service={} table={} failed", svc.name(), t.topic(), e);
            return TableReport.failed(svc.name(), t.topic(), e.getMessage(), seconds(t0));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return TableReport.failed(svc.name(), t.topic(), "interrupted", seconds(t0));
        } finally {
            try {
                target.rollback();
            } catch (SQLException ignored) {
                // the connection is closed with the service; nothing was written
            }
        }
    }

    private static Side side(TablePlan plan, PipelineConfig.Source source, Connection c, ReconcileOptions options) throws SQLException {
        return source.isSqlite() ? new SqliteSide(plan, c, options.since(), options.until())
                : new PostgresSide(plan, c, false, options.since(), options.until());
    }

    /** The window's time column of a table: named on the command line, else the table's TimescaleDB time column. */
    private static String timeColumn(PipelineConfig.Service svc, TableRef t, ReconcileOptions options) {
        String named = options.timeColumns().getOrDefault(svc.targetTable(t), options.timeColumns().get(t.table()));
        if (named != null) {
            return named;
        }
        PipelineConfig.Timescale ts = svc.options(svc.targetTable(t)).timescale();
        return ts == null ? null : ts.timeColumn();
    }

    private static Connection open(PipelineConfig.Source source) throws SQLException {
        if (source.isSqlite()) {
            Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + source.sqlite().path() + "?mode=ro");
            try (var s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
            }
            return c;
        }
        return Preflight.connect(source.postgres().url(), source.postgres().user(), source.postgres().password());
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
