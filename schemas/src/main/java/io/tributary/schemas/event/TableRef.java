package io.tributary.schemas.event;

/**
 * A captured table, {@code <source>.<schema>.<table>}. For a SQLite source the schema is {@code main}.
 * Its change events go to the per-table topic of the same name.
 */
public record TableRef(String source, String schema, String table) {
    public String topic() {
        return io.tributary.schemas.kafka.Topics.perTable(this);
    }

    /** {@code schema.table} as the source database knows it. */
    public String qualifiedName() {
        return schema + "." + table;
    }

    @Override
    public String toString() {
        return topic();
    }
}
