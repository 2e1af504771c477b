package io.tributary.capture.postgres;

import io.micrometer.core.instrument.Counter;
import io.tributary.common.sql.Bookkeeping;
import org.apache.kafka.connect.data.Struct;

/**
 * The transactions Tributary's own sink committed in this source, told by the transactional logical-decoding
 * message it writes first in each of them ({@link Bookkeeping#APPLIED_MESSAGE}), so that their row changes are
 * not captured again: a service database that is a target of one pipeline and the source of another (the way
 * back to the old database after a cutover) does not send back what it received. PostgreSQL 15's pgoutput has
 * no origin filter (16 has one); the message works on 14 and later, where pgoutput sends messages.
 *
 * <p>Relies on pgoutput sending each transaction whole at its commit, with a transactional message where it was
 * written (the sink writes it before any row), and on Debezium giving the message record the transaction's id
 * ({@code source.txId}): the marked transaction is the one whose rows follow. Not guaranteed: with
 * pgoutput's streaming of in-progress transactions (Debezium does not ask for it) transactions would interleave.
 */
final class AppliedTransactions {
    private final Counter skipped;
    private long marked = Long.MIN_VALUE;

    /** {@code skipped} counts the row changes left out ({@code tributary.capture.applied.skipped}). */
    AppliedTransactions(Counter skipped) {
        this.skipped = skipped;
    }

    /** Notes a Debezium logical-decoding message record; false when {@code value} is not one. */
    boolean onMessage(Struct value) {
        if (value.schema().field("message") == null || !(value.get("message") instanceof Struct message)) {
            return false;
        }
        if (Bookkeeping.APPLIED_MESSAGE.equals(message.getString("prefix"))) {
            Long tx = txId(value);
            if (tx != null) {
                marked = tx;
            }
        }
        return true;
    }

    /** Whether a row change belongs to a transaction Tributary applied (it is then counted, and left out). */
    boolean applied(Struct value) {
        Long tx = txId(value);
        if (tx != null && tx == marked) {
            skipped.increment();
            return true;
        }
        return false;
    }

    private static Long txId(Struct value) {
        Struct src = value.schema().field("source") == null ? null : value.getStruct("source");
        return src == null || src.schema().field("txId") == null ? null : src.getInt64("txId");
    }
}
