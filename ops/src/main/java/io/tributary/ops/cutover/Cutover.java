package io.tributary.ops.cutover;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Sequences;
import io.tributary.ops.reconcile.Progress;
import io.tributary.ops.reconcile.Reconciler;
import io.tributary.ops.reconcile.TableReport;
import io.tributary.ops.status.TopicProbe;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.kafka.Topics;
import io.tributary.transform.TransformApp;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tributary cutover}'s work for one service: wait for the fence ({@link Fence}), measure each table's
 * lag, reconcile every owned table (the engine of {@code tributary reconcile}), move each table's sequences
 * past its highest key ({@link Sequences}), and decide go or no-go per table ({@link Verdicts}). Writes
 * nothing but the sequences; the sink keeps running.
 */
public final class Cutover {
    private static final Logger log = LoggerFactory.getLogger(Cutover.class);

    /** What a cutover found: the fence and each table's verdict. */
    public record Report(String service, Fence.Outcome fence, List<TableVerdict> tables, double seconds) {
        public boolean go() {
            return !tables.isEmpty() && tables.stream().allMatch(TableVerdict::go);
        }
    }

    private Cutover() {
    }

    public static Report run(PipelineConfig config, PipelineConfig.Service svc, CutoverOptions options, Progress progress) throws Exception {
        long t0 = System.nanoTime();
        Fence.Outcome fence;
        List<Double> lags = new ArrayList<>();
        try (TopicProbe kafka = new TopicProbe(config)) {
            fence = Fence.await(config, svc, options.fenceTimeout(), kafka, config.registry().client());
            log.info("cutover fence service={} passed={} seconds={} sources={}", svc.name(), fence.passed(),
                    String.format("%.1f", fence.seconds()), fence.sources());
            long now = System.currentTimeMillis();
            for (TableRef t : svc.tables()) {
                lags.add(Math.max(kafka.backlog(Topics.perTable(t), TransformApp.group(svc.name()), now).ageSeconds(),
                        kafka.backlog(svc.topic(t), svc.group(), now).ageSeconds()));
            }
        }
        List<TableReport> reports = Reconciler.reconcile(config, options.reconcile(), svc.name(), null, progress);
        List<TableVerdict> verdicts = new ArrayList<>();
        try (Connection target = Preflight.connect(svc.target().url(), svc.target().user(), svc.target().password())) {
            for (int i = 0; i < svc.tables().size(); i++) {
                TableRef t = svc.tables().get(i);
                verdicts.add(table(target, svc.targetTable(t), fence, lags.get(i), report(reports, t), options));
            }
        }
        return new Report(svc.name(), fence, verdicts, (System.nanoTime() - t0) / 1e9);
    }

    private static TableVerdict table(Connection target, String targetTable, Fence.Outcome fence, double lag, TableReport report,
                                      CutoverOptions options) {
        List<Sequences.Sequence> sequences = List.of();
        String error = null;
        try {
            sequences = Sequences.advance(target, targetTable);
        } catch (SQLException e) {
            error = Preflight.rootMessage(e);
        }
        TableVerdict v = Verdicts.decide(fence, lag, report, sequences, error, options);
        log.info("cutover verdict service={} table={} verdict={} reasons={}", v.service(), v.table(), v.word(), v.reasons());
        return v;
    }

    private static TableReport report(List<TableReport> reports, TableRef t) {
        return reports.stream().filter(r -> r.table().equals(t.topic())).findFirst().orElseThrow();
    }
}
