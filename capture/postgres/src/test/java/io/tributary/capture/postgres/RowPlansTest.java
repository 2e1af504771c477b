package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

/** {@link RowPlans}: the shape made once per distinct schema, a plan per schema object of the rows. */
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
    void aRowWhoseSchemaIsAnotherObjectThanTheEnvelopesGetsAPlanForItsOwn() {
        Schema envelopeRow = rowSchema();
        Schema streamedRow = rowSchema(); // what Debezium's streamed rows carry: equal to the envelope's, another object
        assertEquals(envelopeRow, streamedRow);
        assertNotSame(envelopeRow, streamedRow);
        RowPlans plans = new RowPlans();
        AtomicInteger made = new AtomicInteger();

        TableSchema shape = plans.shape(envelopeRow, counting(envelopeRow, made));
        RowPlan plan = plans.plan(streamedRow, shape);

        assertSame(streamedRow, plan.schema(), "a plan made for another schema object looks every row's columns up by name");
        assertSame(shape, plan.shape());
        Struct row = new Struct(streamedRow).put("id", 7).put("v", "x");
        assertEquals(ConnectRecords.row(row, shape), plans.row(row, shape));
        assertNull(plans.row(null, shape));
        assertSame(plan, plans.plan(streamedRow, shape));
        assertSame(shape, plans.shape(rowSchema(), counting(envelopeRow, made)), "an equal schema has the same shape");
        assertEquals(1, made.get(), "the shape (a query of the source's definitions) is made once per distinct schema");
    }

    @Test
    void manySchemaObjectsStayBoundedAndEachGetsItsPlan() {
        RowPlans plans = new RowPlans();
        AtomicInteger made = new AtomicInteger();
        Schema first = rowSchema();
        TableSchema shape = plans.shape(first, counting(first, made));
        for (int i = 0; i < 3 * RowPlans.MAX_OBJECTS; i++) {
            Schema s = rowSchema();
            assertSame(s, plans.plan(s, shape).schema());
        }
        assertSame(first, plans.plan(first, shape).schema());
        assertEquals(1, made.get());
    }
}
