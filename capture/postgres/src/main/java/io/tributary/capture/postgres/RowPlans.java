package io.tributary.capture.postgres;

import io.tributary.schemas.event.TableSchema;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * The contract shape of each table schema the capture meets, and the {@link RowPlan} of each Connect schema
 * object its rows come with.
 *
 * <p>A plan converts a row without looking its columns up by name only when the row's schema is the very object
 * the plan was made for ({@link RowPlan#row}). Connect schemas compare by value, and the rows Debezium streams
 * carry schema objects other than the envelope's {@code after} field schema (equal to it). Plans kept by the
 * envelope's schema in a map keyed by value therefore never fitted a streamed row: each took the lookups by name,
 * and each lookup of the map hashed the whole schema (a fifth of the capture handler's time while streaming,
 * docs/performance.md). So the shape is kept by the envelope's row schema (made once per distinct schema: it asks
 * the source for the columns' definitions), and a plan per schema object of the rows themselves.
 *
 * <p>Bounded: past {@value #MAX_OBJECTS} schema objects the plans are dropped and made again on use. Not
 * thread-safe: Debezium's single engine thread calls it.
 */
final class RowPlans {
    static final int MAX_OBJECTS = 256;
    private final Map<Schema, TableSchema> shapes = new HashMap<>();
    private final Map<Schema, RowPlan> plans = new IdentityHashMap<>();
    private Schema lastRowSchema;
    private TableSchema lastShape;
    private RowPlan lastPlan;

    /** The shape of a table whose envelope's row schema is {@code rowSchema}; {@code make} makes it the first time. */
    TableSchema shape(Schema rowSchema, Supplier<TableSchema> make) {
        if (rowSchema != lastRowSchema) {
            lastShape = shapes.computeIfAbsent(rowSchema, s -> make.get());
            lastRowSchema = rowSchema;
        }
        return lastShape;
    }

    /** {@code row} as a map of the contract's Avro representation, with {@code shape}'s columns; null for no row. */
    Map<String, Object> row(Struct row, TableSchema shape) {
        return row == null ? null : plan(row.schema(), shape).row(row);
    }

    /** The plan of rows whose schema is the object {@code schema}, in {@code shape}. */
    RowPlan plan(Schema schema, TableSchema shape) {
        RowPlan plan = lastPlan != null && lastPlan.schema() == schema && lastPlan.shape() == shape ? lastPlan : plans.get(schema);
        if (plan == null || plan.shape() != shape) {
            if (plans.size() >= MAX_OBJECTS) {
                plans.clear();
            }
            plan = new RowPlan(schema, shape);
            plans.put(schema, plan);
        }
        lastPlan = plan;
        return plan;
    }
}
