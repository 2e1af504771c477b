package io.tributary.sink.postgres;

import java.sql.SQLException;

/**
 * A value that does not fit the existing target column it is converted into (see {@link TargetConversions}):
 * a data error of that one record (SQLState class 22), so the batch is applied record by record and the
 * record becomes a dead letter with this reason, which names the table, the column and the fix, never the
 * value itself.
 */
final class ValueDoesNotFit extends SQLException {
    ValueDoesNotFit(String sqlState, String reason) {
        super(reason, sqlState);
    }
}
