package io.tributary.ops.cutover;

import io.tributary.common.sql.Sequences;
import io.tributary.ops.reconcile.TableReport;
import java.util.List;

/**
 * Whether one owned table may be cut over, and why not.
 *
 * @param go         every gate passed
 * @param reasons    each gate that did not pass, in words an operator acts on (empty on go)
 * @param lagSeconds the pipeline's lag for the table once the fence was passed (age of the oldest record the
 *                   transform or the sink had not consumed)
 * @param sequences  the table's serial and identity sequences after they were moved past its highest key
 * @param reconcile  what reconcile found
 */
public record TableVerdict(String service, String table, boolean go, List<String> reasons, double lagSeconds,
                           List<Sequences.Sequence> sequences, TableReport reconcile) {
    public TableVerdict {
        reasons = List.copyOf(reasons);
        sequences = List.copyOf(sequences);
    }

    public String word() {
        return go ? "go" : "no-go";
    }
}
