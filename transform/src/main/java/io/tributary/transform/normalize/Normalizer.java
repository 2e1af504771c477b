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
 * columns, pass unchanged (the same envelope instance). A value of the after-image (or of the key) that cannot
 * be converted exactly (a boolean 7, a date that is not a date) throws {@link IllegalArgumentException} naming
 * the table, column and value; the topology sends that record to the dead-letter topic.
 *
 * <p>A before-image is only normalised as far as readers need it, and a value in it that cannot be converted
 * (a row once set to an odd value, then fixed or deleted) is never a reason to drop the change: an update or
 * insert then leaves its before-image out (null, as PostgreSQL sends without {@code REPLICA IDENTITY FULL}), and
 * a delete keeps its key and every value that converts, the others becoming null (the type's zero, false or
 * the epoch, for a NOT NULL column). The sink needs only a delete's key and, for a hypertable, the old time when
 * there is one.
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
        return Envelope.value(in.withRows(pair[1], convertBefore(in, pair[0]), convert(in.after(), pair[0])));
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
        return new TableSchema(in.table(), cols, in.primaryKey(), in.definition());
    }

    /** The before-image, normalised where it can be (see the class comment); the key of a delete must convert. */
    private static Map<String, Object> convertBefore(ChangeEvent e, TableSchema in) {
        Map<String, Object> row = e.before();
        if (row == null) {
            return null;
        }
        if (e.op() != io.tributary.schemas.event.Op.DELETE) {
            try {
                return convert(row, in);
            } catch (IllegalArgumentException unconvertible) {
                return null;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>(row);
        for (Column c : in.columns()) {
            Object v = m.get(c.name());
            if (v == null || c.normalizedType() == null) {
                continue;
            }
            if (in.primaryKey().contains(c.name())) {
                m.put(c.name(), convertValue(v, c, in));
                continue;
            }
            try {
                m.put(c.name(), Conversions.convert(v, c.normalizedType()));
            } catch (IllegalArgumentException unconvertible) {
                m.put(c.name(), c.optional() ? null : zero(c.normalizedType()));
            }
        }
        return m;
    }

    /** A stand-in for a NOT NULL value of a delete's before-image that cannot be normalised: the type's zero. */
    static Object zero(io.tributary.schemas.event.ColumnType t) {
        return switch (t.avroSchema().getType()) {
            case BOOLEAN -> Boolean.FALSE;
            case INT -> 0;
            case LONG -> 0L;
            case FLOAT -> 0f;
            case DOUBLE -> 0d;
            case BYTES -> java.nio.ByteBuffer.allocate(0);
            default -> "";
        };
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

    static Object convertValue(Object v, Column c, TableSchema t) {
        try {
            return Conversions.convert(v, c.normalizedType());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot normalise " + t.table().topic() + "." + c.name() + " (declared "
                    + c.sourceType() + ") value '" + v + "' to " + c.normalizedType() + ": " + e.getMessage(), e);
        }
    }
}
