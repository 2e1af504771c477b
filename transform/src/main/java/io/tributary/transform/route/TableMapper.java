package io.tributary.transform.route;

import io.tributary.common.config.TableMapping;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.KeyValue;

/**
 * Puts a normalised event of a mapped table in the service's shape ({@link TableMapping}): the target table's
 * name, the columns renamed, the left-out columns gone, keyed by the target key. The service topic's record
 * key is the target key, so the events of one target row stay in order on one partition.
 *
 * <p>A re-keyed table is identified by other columns than the source's key, so a change of those columns is a
 * change of identity: an update that changes a value of the target key leaves as a delete of the old key (with
 * its tombstone) followed by the update under the new key, all at the update's position (they concern two keys,
 * which the sink guards separately). That takes the row's old values: a SQLite capture always sends them; a
 * PostgreSQL source sends them only with {@code REPLICA IDENTITY FULL}, which the start-up check requires of a
 * re-keyed PostgreSQL table. An event without them (an update without a before image, a delete whose before
 * image lacks a target key value), or with a null target key value, cannot be placed and throws
 * {@link IllegalArgumentException} naming the table, the source key and the fix: the topology dead-letters it
 * rather than guess. Tombstones of the per-table topic carry only the source key and are dropped: a tombstone
 * under the target key follows each delete this step writes.
 *
 * <p>Not guaranteed: two source rows that come to share target key values (a key that is unique at start but not
 * constrained to stay so in the source) share one target row, the newer change winning.
 */
public final class TableMapper {
    private final TableMapping mapping;
    private final Map<Schema, TableSchema> shapes = new ConcurrentHashMap<>();

    public TableMapper(TableMapping mapping) {
        this.mapping = mapping;
    }

    /** The records an event of the per-table topic becomes on the service topic (none for a tombstone). */
    public List<KeyValue<GenericRecord, GenericRecord>> map(GenericRecord key, GenericRecord envelope) {
        if (envelope == null) {
            return List.of();
        }
        ChangeEvent in = Envelope.read(key, envelope);
        GenericRecord source = (GenericRecord) envelope.get(Envelope.Fields.SOURCE);
        TableSchema shape = shapes.computeIfAbsent(envelope.getSchema(), s -> shape(in.schema()));
        ChangeEvent out = new ChangeEvent(shape, in.op(), row(in.before()), row(in.after()), in.position(), in.commitTsMs(),
                in.snapshot(), in.connector(), in.database(), in.txId(), in.lsn(), unchanged(in.unchanged()), in.tsMs());
        List<KeyValue<GenericRecord, GenericRecord>> records = new ArrayList<>();
        if (out.op() == Op.DELETE) {
            deleted(in, source, out, records);
        } else if (out.op() == Op.UPDATE && !mapping.keepsSourceKey()) {
            updated(in, source, out, records);
        } else {
            records.add(record(source, out, keyOf(in, out, out.after())));
        }
        return records;
    }

    private void deleted(ChangeEvent in, GenericRecord source, ChangeEvent out, List<KeyValue<GenericRecord, GenericRecord>> records) {
        GenericRecord k = keyOf(in, out, out.before());
        records.add(record(source, out, k));
        records.add(KeyValue.pair(k, null));
    }

    private void updated(ChangeEvent in, GenericRecord source, ChangeEvent out, List<KeyValue<GenericRecord, GenericRecord>> records) {
        if (out.before() == null) {
            throw new IllegalArgumentException(at(in) + ": an update without the row's old values (not sent, or one of them could not be "
                    + "normalised) cannot be placed under the target key " + mapping.key() + ", which it may have changed; on a PostgreSQL "
                    + "source set ALTER TABLE " + in.schema().table().qualifiedName() + " REPLICA IDENTITY FULL and re-snapshot the table "
                    + "(tributary resnapshot)");
        }
        GenericRecord newKey = keyOf(in, out, out.after());
        GenericRecord oldKey = keyOf(in, out, out.before());
        if (!oldKey.equals(newKey)) {
            ChangeEvent gone = new ChangeEvent(out.schema(), Op.DELETE, out.before(), null, out.position(), out.commitTsMs(), out.snapshot(),
                    out.connector(), out.database(), out.txId(), out.lsn(), List.of(), out.tsMs());
            records.add(record(source, gone, oldKey));
            records.add(KeyValue.pair(oldKey, null));
        }
        records.add(record(source, out, newKey));
    }

    /** The service topic's record of {@code out}, its source block kept as the capture wrote it (the source table's names). */
    private static KeyValue<GenericRecord, GenericRecord> record(GenericRecord source, ChangeEvent out, GenericRecord key) {
        GenericRecord value = Envelope.value(out);
        value.put(Envelope.Fields.SOURCE, source);
        return KeyValue.pair(key, value);
    }

    /** The target key record of a mapped row image; every target key value must be there. */
    private GenericRecord keyOf(ChangeEvent in, ChangeEvent out, Map<String, Object> image) {
        TableSchema shape = out.schema();
        List<String> missing = shape.primaryKey().stream().filter(k -> image == null || image.get(k) == null).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(at(in) + ": no value for the target key column(s) " + missing + " of "
                    + mapping.targetTable() + (in.op() == Op.DELETE ? " in the delete's old values; on a PostgreSQL source set ALTER TABLE "
                    + in.schema().table().qualifiedName() + " REPLICA IDENTITY FULL and re-snapshot the table"
                    : "; the target key must be non-null: declare another key: or fill the column in the source"));
        }
        ChangeEvent keyed = new ChangeEvent(shape, Op.CREATE, null, image, in.position(), 0, "false", in.connector(), in.database(), null, null);
        return Envelope.key(keyed);
    }

    private static String at(ChangeEvent in) {
        return in.op().name().toLowerCase() + " of " + in.schema().table() + " source key " + in.keyValues() + " at " + in.position();
    }

    /** The target shape of source shape {@code in}; a mapped column the source lacks (its schema changed) is an error. */
    TableSchema shape(TableSchema in) {
        List<String> problems = mapping.problemsWith(in.columns().stream().map(Column::name).toList(), in.primaryKey());
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(in.table() + ": " + String.join("; ", problems));
        }
        List<Column> cols = new ArrayList<>();
        for (Column c : in.columns()) {
            mapping.targetColumn(c.name()).ifPresent(name -> cols.add(new Column(name, c.type(), c.sourceType(), c.optional(),
                    c.defaultValue(), c.normalizedType())));
        }
        List<String> key = mapping.keepsSourceKey()
                ? in.primaryKey().stream().map(k -> mapping.targetColumn(k).orElseThrow()).toList() // kept: checked above
                : mapping.key();
        TableRef t = new TableRef(in.table().source(), in.table().schema(), mapping.targetTable());
        return new TableSchema(t, cols, key, MappedDefinition.of(in.definition(), mapping));
    }

    private Map<String, Object> row(Map<String, Object> image) {
        if (image == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        image.forEach((c, v) -> mapping.targetColumn(c).ifPresent(name -> m.put(name, v)));
        return m;
    }

    private List<String> unchanged(List<String> columns) {
        return columns.stream().map(c -> mapping.targetColumn(c).orElse(null)).filter(Objects::nonNull).toList();
    }
}
