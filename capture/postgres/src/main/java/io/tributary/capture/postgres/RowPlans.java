package io.tributary.capture.postgres;

import io.tributary.schemas.event.TableSchema;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.connect.data.Schema;

/**
 * The {@link RowPlan} of each Connect row schema object the capture meets.
 *
 * <p>A plan converts a row without looking its columns up by name only when the row's schema is the very
 * object the plan was made for ({@link RowPlan#row}). Connect schemas compare by value, and Debezium makes new,
 * equal schema objects for a table when it builds its schemas again (when streaming starts after the
 * snapshot, on a relation message). A map keyed by value therefore handed the snapshot's plan to every streamed
 * row, whose schema is another object: each of them took the lookups by name, and each lookup of the map
 * hashed the whole schema (a fifth of the capture handler's time while streaming, docs/performance.md). So
 * plans are kept per schema object, and a new object equal to a known schema reuses its contract shape: the
 * shape is made once per distinct schema (it asks the source for the columns' definitions).
 *
 * <p>Bounded: past {@value #MAX_OBJECTS} schema objects the per-object plans are dropped and made again on use.
 * Not thread-safe: Debezium's single engine thread calls it.
 */
final class RowPlans {
    static final int MAX_OBJECTS = 256;
    private final Map<Schema, RowPlan> byObject = new IdentityHashMap<>();
    private final Map<Schema, TableSchema> shapes = new HashMap<>();
    private Schema lastSchema;
    private RowPlan lastPlan;

    /** The plan of rows of {@code rowSchema}; {@code shape} makes the contract shape of a schema not met before. */
    RowPlan of(Schema rowSchema, Supplier<TableSchema> shape) {
        if (rowSchema == lastSchema) {
            return lastPlan;
        }
        RowPlan plan = byObject.get(rowSchema);
        if (plan == null) {
            if (byObject.size() >= MAX_OBJECTS) {
                byObject.clear();
            }
            plan = new RowPlan(rowSchema, shapes.computeIfAbsent(rowSchema, s -> shape.get()));
            byObject.put(rowSchema, plan);
        }
        lastSchema = rowSchema;
        lastPlan = plan;
        return plan;
    }
}
