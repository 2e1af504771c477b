package io.tributary.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.common.metrics.IdleClocks;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableMetersTest {
    private static final TableRef TRADES = new TableRef("monolith", "public", "trades");
    private static final TableSchema SCHEMA = new TableSchema(TRADES, List.of(new Column("id", ColumnType.INT64, "int8", false)), List.of("id"));
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final TableMeters meters = new TableMeters(metrics, new IdleClocks(metrics, "transform"), "trading", TRADES);

    @Test
    void countsEachOpAndTimesTheLagOfChangesNotOfSnapshotReads() {
        meters.seen(envelope(Op.READ, 1));
        meters.seen(envelope(Op.CREATE, 2));
        meters.seen(envelope(Op.CREATE, 3));
        meters.seen(envelope(Op.UPDATE, 4));
        meters.seen(null); // a tombstone
        assertEquals(1, count("r"));
        assertEquals(2, count("c"));
        assertEquals(1, count("u"));
        assertEquals(3, metrics.get("tributary.pipeline.lag.seconds").tags("stage", "transform", "source", "monolith", "table", "trades")
                .timer().count());
        assertEquals(1, metrics.get(IdleClocks.METRIC).tags("stage", "transform", "source", "monolith", "table", "trades").gauges().size());
    }

    private double count(String op) {
        return metrics.get("tributary.transform.events").tags("service", "trading", "table", TRADES.topic(), "op", op).counter().count();
    }

    private static org.apache.avro.generic.GenericRecord envelope(Op op, long id) {
        Map<String, Object> row = Map.of("id", id);
        return Envelope.value(new ChangeEvent(SCHEMA, op, null, row, Position.of(0, id, id, 0), 1L, "false", "postgresql", "db", 3L, id, List.of()));
    }
}
