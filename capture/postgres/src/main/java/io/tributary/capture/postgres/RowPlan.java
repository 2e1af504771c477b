package io.tributary.capture.postgres;

import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.TableSchema;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * One Connect row schema of a table with its contract shape: each field's column looked up once, so that a row
 * is converted ({@link ConnectRecords#value}) without finding its columns by name again (that lookup was a sixth
 * of the capture handler's time in a snapshot profile, docs/performance.md). A row of another schema takes
 * {@link ConnectRecords#row}, the same conversion with the lookups; {@code RowPlanTest} compares both.
 */
final class RowPlan {
    private final Schema schema;
    private final TableSchema shape;
    private final Field[] fields;
    private final Column[] columns;

    RowPlan(Schema rowSchema, TableSchema shape) {
        this.schema = rowSchema;
        this.shape = shape;
        List<Field> fs = rowSchema.fields();
        this.fields = fs.toArray(Field[]::new);
        this.columns = new Column[fields.length];
        for (int i = 0; i < fields.length; i++) {
            columns[i] = shape.column(fields[i].name()).orElseThrow();
        }
    }

    TableSchema shape() {
        return shape;
    }

    /** The Connect schema object this plan converts rows of without lookups by name. */
    Schema schema() {
        return schema;
    }

    /** {@code struct} as a map of the contract's Avro representation; null for no row. */
    Map<String, Object> row(Struct struct) {
        if (struct == null || struct.schema() != schema) {
            return ConnectRecords.row(struct, shape);
        }
        Map<String, Object> m = new HashMap<>(shape.columns().size() * 2);
        for (int i = 0; i < fields.length; i++) {
            Object v = struct.get(fields[i]);
            m.put(fields[i].name(), v == null ? null : ConnectRecords.value(v, columns[i], fields[i].schema()));
        }
        return m;
    }
}
