package io.tributary.ops.cutover;

import io.tributary.common.sql.Sequences;
import io.tributary.ops.reconcile.TableReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cutover's rules, one table at a time: go only when the fence was passed, the lag is within
 * {@code --max-lag}, reconcile compared the table and its mismatch rate is within {@code --max-mismatch-rate},
 * and every sequence of the table is past its highest key. Each rule that fails is one reason.
 */
final class Verdicts {
    private Verdicts() {
    }

    /**
     * @param sequences     the table's sequences after advancing them
     * @param sequenceError why they could not be advanced, or null
     */
    static TableVerdict decide(Fence.Outcome fence, double lagSeconds, TableReport reconcile, List<Sequences.Sequence> sequences,
                               String sequenceError, CutoverOptions options) {
        List<String> reasons = new ArrayList<>();
        if (!fence.passed()) {
            reasons.add(String.format(Locale.ROOT, "the fence was not passed within %s: still waiting for %s (raise --fence-timeout, "
                    + "or see tributary status for the stage that is behind)", options.fenceTimeout(), fence.waitingFor()));
        }
        if (options.maxLag() != null && lagSeconds > options.maxLag().toMillis() / 1000.0) {
            reasons.add(String.format(Locale.ROOT, "pipeline lag %.1f s is above --max-lag %s", lagSeconds, options.maxLag()));
        }
        if (reconcile.error() != null) {
            reasons.add("reconcile could not compare the table: " + reconcile.error());
        } else if (!reconcile.passed()) {
            reasons.add(String.format(Locale.ROOT, "%d rows differ (%d missing, %d extra, %d changed): mismatch rate %s is above "
                    + "--max-mismatch-rate %s", reconcile.differing(), reconcile.missing(), reconcile.extra(), reconcile.changed(),
                    percent(reconcile.mismatchRate()), percent(reconcile.maxMismatchRate())));
        }
        if (sequenceError != null) {
            reasons.add("its sequences could not be advanced: " + sequenceError);
        }
        for (Sequences.Sequence s : sequences) {
            if (s.highest() != null && s.next() <= s.highest()) {
                reasons.add("sequence " + s.sequence() + " of column " + s.column() + " would next give " + s.next()
                        + ", not past the highest value " + s.highest());
            }
        }
        return new TableVerdict(reconcile.service(), reconcile.table(), reasons.isEmpty(), reasons, lagSeconds, sequences, reconcile);
    }

    static String percent(double rate) {
        return String.format(Locale.ROOT, "%.4g%%", rate * 100).replaceAll("\\.?0+%$", "%");
    }
}
