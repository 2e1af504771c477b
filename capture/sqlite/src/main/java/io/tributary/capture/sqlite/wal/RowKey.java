package io.tributary.capture.sqlite.wal;

import java.util.Arrays;

/** The primary-key values of a WITHOUT ROWID row; equal when the values are (byte arrays by content, doubles by bits). */
final class RowKey {
    final Object[] values;

    RowKey(Object[] values) {
        this.values = values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowKey k && Arrays.deepEquals(values, k.values);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(values);
    }
}
