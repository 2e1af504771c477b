package io.tributary.ops.reconcile.report;

import io.tributary.ops.reconcile.Row;

/** A row's value for a person, a dash for the side that lacks the row. */
final class Values {
    private Values() {
    }

    static String of(Row row, int column) {
        return row == null ? "-" : row.display(column);
    }
}
