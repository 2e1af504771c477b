package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;

/** {@link RowPlan#row} against {@link ConnectRecords#row} (the lookups by name) on random tables of every handled type. */
class RowPlanTest {
    private static final TableRef TABLE = new TableRef("monolith", "public", "trades");

    @Test
    void givesTheRowsOfTheLookupsByNameOnRandomTables() {
        Random r = new Random(20261130L);
        for (int table = 0; table < 300; table++) {
            List<Object[]> types = new ArrayList<>();
            List<Schema> fields = new ArrayList<>();
            for (int i = 0, n = 1 + r.nextInt(12); i < n; i++) {
                List<Arguments> all = ConnectRecordsTest.everyHandledType().toList(); // fresh builders for each field
                Object[] a = all.get(r.nextInt(all.size())).get();
                Integer scale = a[0].equals("numeric") ? 8 : null;
                fields.add(ConnectRecordsTest.field("c" + i, (SchemaBuilder) a[1], (String) a[0], (int) a[2], scale));
                types.add(a);
            }
            Schema row = ConnectRecordsTest.row(fields.toArray(Schema[]::new));
            TableSchema shape = ConnectRecords.tableSchema(TABLE, row, ConnectRecordsTest.key());
            RowPlan plan = new RowPlan(row, shape);
            for (int event = 0; event < 50; event++) {
                Struct s = new Struct(row).put("id", r.nextInt());
                for (int i = 0; i < types.size(); i++) {
                    if (r.nextInt(4) != 0) {
                        s.put("c" + i, types.get(i)[5]);
                    }
                }
                assertEquals(ConnectRecords.row(s, shape), plan.row(s), "table " + table + " event " + event);
            }
        }
    }

    @Test
    void aRowOfAnotherSchemaIsLookedUpByName() {
        Schema row = ConnectRecordsTest.row(ConnectRecordsTest.field("v", SchemaBuilder.string(), "text", Integer.MAX_VALUE, null));
        Schema other = ConnectRecordsTest.row(ConnectRecordsTest.field("v", SchemaBuilder.string(), "text", Integer.MAX_VALUE, null));
        TableSchema shape = ConnectRecords.tableSchema(TABLE, row, ConnectRecordsTest.key());
        RowPlan plan = new RowPlan(row, shape);
        Struct s = new Struct(other).put("id", 1).put("v", "x");
        assertEquals(ConnectRecords.row(s, shape), plan.row(s));
        assertNull(plan.row(null));
    }
}
