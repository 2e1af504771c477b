package io.tributary.transform.normalize;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.Conversions;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.TableSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Turns values the source stored in another type into the type they mean: every column whose schema
 * carries a {@link Column#normalizedType()} (the capture decided it from the declared type, e.g. a SQLite
 * {@code BOOLEAN} stored as 0/1, {@code DATETIME} text meaning UTC) is converted by
 * {@link Conversions} and leaves with that type. Other columns, and every event of a table without such
 * columns, pass unchanged (the same envelope instance). A value that cannot be converted exactly (a boolean
 * 7, a date that is not a date) throws {@link IllegalArgumentException} naming the table, column and value;
 * the topology sends that record to the dead-letter topic.
 */
public final class Normalizer {
    private final Map<Schema, TableSchema[]> shapes = new ConcurrentHashMap<>();

    /** The normalised envelope; the same instance when nothing in it needs normalising. */
    public GenericRecord normalize(GenericRecord key, GenericRecord envelope) {
        if (envelope == null) {
            return null;
        }
        TableSchema[] pair = shapes.computeIfAbsent(envelope.getSchema(), s -> {
            TableSchema in = Envelope.tableSchema(s, key.getSchema());
            return new TableSchema[] {in, normalizedShape(in)};
        });
        if (pair[0].equals(pair[1])) {
            return envelope;
        }
        ChangeEvent in = Envelope.read(key, envelope);
        return Envelope.value(in.withRows(pair[1], convert(in.before(), pair[0]), convert(in.after(), pair[0])));
    }

    static TableSchema normalizedShape(TableSchema in) {
        List<Column> cols = new ArrayList<>();
        for (Column c : in.columns()) {
            if (c.normalizedType() == null) {
                cols.add(c);
            } else {
                cols.add(c.normalizedTo(c.normalizedType(), convertValue(c.defaultValue(), c, in)));
            }
        }
        return new TableSchema(in.table(), cols, in.primaryKey());
    }

    private static Map<String, Object> convert(Map<String, Object> row, TableSchema in) {
        if (row == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>(row);
        for (Column c : in.columns()) {
            Object v = m.get(c.name());
            if (v != null && c.normalizedType() != null) {
                m.put(c.name(), convertValue(v, c, in));
            }
        }
        return m;
    }

    private static Object convertValue(Object v, Column c, TableSchema t) {
        try {
            return Conversions.convert(v, c.normalizedType());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot normalise " + t.table().topic() + "." + c.name() + " (declared "
                    + c.sourceType() + ") value '" + v + "' to " + c.normalizedType() + ": " + e.getMessage(), e);
        }
    }
}
