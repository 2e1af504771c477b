package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

/** {@link RowPlans}: a plan per schema object, the contract shape made once per distinct schema. */
class RowPlansTest {
    private static final TableRef TABLE = new TableRef("monolith", "public", "trades");

    private static Schema rowSchema() {
        return ConnectRecordsTest.row(ConnectRecordsTest.field("v", SchemaBuilder.string(), "text", Integer.MAX_VALUE, null));
    }

    private static Supplier<TableSchema> counting(Schema row, AtomicInteger made) {
        return () -> {
            made.incrementAndGet();
            return ConnectRecords.tableSchema(TABLE, row, ConnectRecordsTest.key());
        };
    }

    @Test
    void aNewSchemaObjectEqualToAKnownOneGetsAPlanForItself() {
        Schema snapshot = rowSchema();
        Schema streaming = rowSchema(); // what Debezium hands over once it streams: equal, another object
        assertEquals(snapshot, streaming);
        assertNotSame(snapshot, streaming);
        RowPlans plans = new RowPlans();
        AtomicInteger made = new AtomicInteger();

        RowPlan first = plans.of(snapshot, counting(snapshot, made));
        RowPlan second = plans.of(streaming, counting(streaming, made));

        assertSame(snapshot, first.schema());
        assertSame(streaming, second.schema(), "the streamed rows' plan must be made for their schema object, or every row is looked up by name");
        assertSame(first.shape(), second.shape(), "an equal schema reuses the shape");
        assertEquals(1, made.get(), "the shape (a query of the source's definitions) is made once per distinct schema");
        assertSame(first, plans.of(snapshot, counting(snapshot, made)));
        assertSame(second, plans.of(streaming, counting(streaming, made)));
    }

    @Test
    void manySchemaObjectsStayBoundedAndEachGetsItsPlan() {
        RowPlans plans = new RowPlans();
        AtomicInteger made = new AtomicInteger();
        for (int i = 0; i < 3 * RowPlans.MAX_OBJECTS; i++) {
            Schema s = rowSchema();
            assertSame(s, plans.of(s, counting(s, made)).schema());
        }
        assertEquals(1, made.get());
    }
}
