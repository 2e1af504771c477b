package io.tributary.sink.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HypertableRowsTest {
    private static final long DAY = 86_400_000_000L;
    private final HypertableRows metrics = new HypertableRows(SinkBench.METRICS, SinkBench.METRICS.column("time").orElseThrow(), DAY, 7 * DAY);

    private static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    @Test
    void theBatchKnowsEveryTimeAKeyHadSoAMoveCollapsedWithAnotherStillFindsTheTargetsVersion() {
        Instant a = Instant.parse("2025-01-01T00:00:00Z");
        Instant b = a.plus(1, ChronoUnit.DAYS);
        Instant c = a.plus(2, ChronoUnit.DAYS);
        List<SinkEvent> batch = List.of(
                TimescaleTargets.event(Op.UPDATE, TimescaleTargets.row(7, a, 1), TimescaleTargets.row(7, b, 2), 10, "false"),
                TimescaleTargets.event(Op.UPDATE, TimescaleTargets.row(7, b, 2), TimescaleTargets.row(7, c, 3), 11, "false"),
                TimescaleTargets.event(Op.READ, null, TimescaleTargets.row(8, a, 1), 12, "true"));
        HypertableRows.Prior prior = metrics.prior(batch);
        assertEquals(Set.of(micros(a), micros(b), micros(c)), prior.times().get(List.of(7L)),
                "the newest event (b to c) is written: the target may still hold a, from before the batch");
        assertEquals(Set.of(micros(a)), prior.times().get(List.of(8L)), "a snapshot row has its own time only");
        assertEquals(Set.of(), prior.unknown());
        assertNull(metrics.unmovedAt(batch.get(1), prior), "a moved row is not where its new time is");
        assertEquals(a, Instant.parse(metrics.unmovedAt(batch.get(2), prior)), "an unmoved row is exactly at its time");
    }

    @Test
    void anUpdateOrDeleteWithoutTheRowsPreviousTimeIsUnknownUnlessTheTimeIsInTheKey() {
        Instant a = Instant.parse("2025-01-01T00:00:00Z");
        List<SinkEvent> batch = List.of(TimescaleTargets.event(Op.UPDATE, null, TimescaleTargets.row(7, a, 1), 10, "false"),
                TimescaleTargets.event(Op.DELETE, Map.of("_tributary_rowid", 9L), null, 11, "false"));
        assertEquals(Set.of(List.of(7L), List.of(9L)), metrics.prior(batch).unknown());

        TableSchema prices = new TableSchema(new TableRef("market", "public", "price_history"), List.of(
                new Column("symbol", ColumnType.TEXT, "TEXT", false), new Column("time", ColumnType.TIMESTAMPTZ, "TIMESTAMPTZ", false),
                new Column("close", ColumnType.DECIMAL, "NUMERIC(20,6)", true)), List.of("symbol", "time"));
        HypertableRows byKey = new HypertableRows(prices, prices.column("time").orElseThrow(), 30 * DAY, null);
        SinkEvent delete = new SinkEvent(new io.tributary.schemas.event.ChangeEvent(prices, Op.DELETE, Map.of("symbol", "ACME", "time", micros(a)), null,
                io.tributary.schemas.event.Position.of(1, 0, 0, 1), 0L, "false", "pg", "db", null, null), "t", 0, 1, null, null, null);
        HypertableRows.Prior prior = byKey.prior(List.of(delete));
        assertEquals(Set.of(), prior.unknown(), "the key carries the time");
        assertEquals(Set.of(micros(a)), prior.times().get(List.of("ACME", micros(a))));
    }

    @Test
    void onlyHistoryOlderThanThePoliciesIsOwed() {
        metrics.note(micros(Instant.now().minus(1, ChronoUnit.DAYS)));
        assertNull(metrics.takeHistorySpan(), "a day old is inside the 7-day window");
        Instant old = Instant.now().minus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
        Instant recent = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
        metrics.note(micros(old));
        metrics.note(micros(recent));
        assertEquals(List.of(old, recent), List.of(metrics.takeHistorySpan()));
        assertNull(metrics.takeHistorySpan(), "taken: the span starts again");
    }
}
