package io.tributary.capture.postgres;

import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.util.Properties;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * Hands Debezium's array columns over as PostgreSQL's own text of the value ({@code {{1,2},{3,4}}},
 * {@code {2020-01-02,NULL}}, {@code {1.50,NaN}}), which the array type in a target reads back exactly.
 * Both the snapshot (pgjdbc's {@code PgArray}) and pgoutput (the text the server sent) give Debezium a
 * {@code java.sql.Array} whose {@code toString()} is that text, so arrays of every element type and of any
 * number of dimensions travel exactly. Without this converter Debezium turns each element into its own
 * Connect value: it reads only one dimension (the elements of a two-dimensional integer array arrive as
 * nulls), loses a numeric array whose elements include NaN, and leaves interval arrays out.
 *
 * <p>Registered as a Debezium custom converter by {@link PostgresCapture}; the field keeps the declared type
 * ({@code _INT4}, {@code _MOOD}, ...) in its parameters, so the column travels as TEXT with that source type.
 */
public final class PgArrays implements CustomConverter<SchemaBuilder, RelationalColumn> {
    /** The converter's name in Debezium's {@code converters} setting. */
    static final String NAME = "tributaryarrays";

    @Override
    public void configure(Properties props) {
        // nothing to configure
    }

    @Override
    public void converterFor(RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        if (column.typeName() != null && column.typeName().startsWith("_")) { // PostgreSQL names an array type by its element's, prefixed with _
            registration.register(SchemaBuilder.string().optional(), v -> v == null ? null : v.toString());
        }
    }
}
