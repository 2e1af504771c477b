package io.tributary.transform.route;

import io.tributary.schemas.event.Envelope;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Makes every update on a service topic a full row, so that whatever compaction leaves of the topic (the last
 * record of each key) rebuilds the table in a new consumer group.
 *
 * <p>PostgreSQL does not send an unchanged TOAST value with an update; the capture names such columns in the
 * envelope's {@code unchanged} list. This step keeps, per key, the latest full row it forwarded (the envelope
 * without its before image) in a Kafka Streams state store, changelogged and exactly-once with the output,
 * and fills those columns from it: the update leaves with every column and an empty {@code unchanged} list.
 *
 * <p>It fills only from a stored row of the same generation and an older position: the events of one key
 * reach it in source order, so that row holds the values the source left unchanged. It does not fill, and
 * the update leaves partial as the capture wrote it (the sink keeps the target's values for those columns),
 * when there is no such row: the first update of a key this store sees (the transform started after
 * the row's last full image was compacted away, or from a store that was reset), a stored row of an older
 * generation (a new snapshot may be repairing a gap the stored row predates), or a column whose type changed.
 * A partial update it cannot fill drops the stored row, which no longer describes the row. A delete or a
 * tombstone drops it too. Nor does it fill an update whose full row would be larger than the pipeline's largest
 * record ({@code max.request.size}): neither the service topic nor the store's changelog could take it.
 */
final class FullRows implements FixedKeyProcessor<GenericRecord, GenericRecord, GenericRecord> {
    private final String storeName;
    private FixedKeyProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<GenericRecord, GenericRecord> rows;

    FullRows(String storeName) {
        this.storeName = storeName;
    }

    /** The store of one table's latest full rows; its changelog topic is named after it. */
    static String storeName(String tableTopic) {
        return "full-rows-" + tableTopic;
    }

    @Override
    public void init(FixedKeyProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.rows = context.getStateStore(storeName);
        Object max = context.appConfigs().get("max.request.size"); // kafka.properties: the largest record the pipeline carries
        this.maxRowBytes = max == null ? DEFAULT_MAX_ROW_BYTES : Long.parseLong(max.toString().trim());
    }

    /** Kafka's default {@code max.request.size}: the largest record when {@code kafka.properties} does not raise it. */
    private static final long DEFAULT_MAX_ROW_BYTES = 1_048_576;
    /**
     * A filled row larger than this is not made: neither the service topic nor the store's changelog could take
     * it. The update then leaves partial, as the capture wrote it (which fits), and the sink keeps the target's
     * values of the columns it leaves out, which is the source's row.
     */
    private long maxRowBytes;
    /** Room for the key, the source block and Kafka's record framing around the row images. */
    private static final long ENVELOPE_BYTES = 4096;

    @Override
    public void process(FixedKeyRecord<GenericRecord, GenericRecord> record) {
        GenericRecord key = record.key();
        GenericRecord value = record.value();
        if (value == null || "d".equals(value.get(Envelope.Fields.OP).toString())) {
            rows.delete(key);
            context.forward(record);
            return;
        }
        List<?> unchanged = (List<?>) value.get(Envelope.Fields.UNCHANGED);
        if (unchanged == null || unchanged.isEmpty()) {
            if (mayHoldToastedValues((GenericRecord) value.get(Envelope.Fields.AFTER))) {
                GenericRecord stored = rows.get(key);
                if (stored == null || compare(position(stored), position(value)) <= 0) {
                    rows.put(key, withoutBefore(value));
                }
            }
            context.forward(record);
            return;
        }
        GenericRecord stored = rows.get(key);
        GenericRecord filled = stored == null ? null : fill(value, unchanged, stored);
        if (filled != null && rowBytes((GenericRecord) filled.get(Envelope.Fields.AFTER), maxRowBytes)
                + rowBytes((GenericRecord) filled.get(Envelope.Fields.BEFORE), maxRowBytes) + ENVELOPE_BYTES >= maxRowBytes) {
            filled = null; // too large to carry filled: it leaves partial, and the stored row goes below (it no longer describes the row)
        }
        if (filled != null) {
            rows.put(key, withoutBefore(filled));
            context.forward(record.withValue(filled));
            return;
        }
        if (stored != null && compare(position(stored), position(value)) < 0) {
            rows.delete(key);
        }
        context.forward(record);
    }

    /**
     * Rows whose values add up to less than this many bytes are not stored. PostgreSQL moves a value out of line
     * (and later leaves it out of an update as an unchanged TOAST value) only when it writes a tuple larger than
     * {@code toast_tuple_target} (2032 bytes by default), and the event of that write carries the value in full.
     * So a value an update leaves out was last written in a large row, which this store kept; a small row holds
     * nothing an update can leave out, and storing it (a serialised row and a changelog record per event) only
     * costs. A table whose {@code toast_tuple_target} was lowered under this size keeps partial updates partial
     * when its rows are small (docs/events.md).
     */
    static final int TOASTABLE_ROW_BYTES = 1000;

    /** Whether {@code row} is large enough that PostgreSQL may have stored one of its values out of line. */
    static boolean mayHoldToastedValues(GenericRecord row) {
        return rowBytes(row, TOASTABLE_ROW_BYTES) >= TOASTABLE_ROW_BYTES;
    }

    /**
     * About how many bytes {@code row}'s values take (text as UTF-8, bytes as they are, 8 for anything else),
     * counted until {@code enough}; 0 for no row.
     */
    static long rowBytes(GenericRecord row, long enough) {
        if (row == null) {
            return 0;
        }
        long bytes = 0;
        for (Schema.Field f : row.getSchema().getFields()) {
            Object v = row.get(f.pos());
            if (v instanceof CharSequence cs) {
                bytes += utf8Bytes(cs);
            } else if (v instanceof java.nio.ByteBuffer b) {
                bytes += b.remaining();
            } else if (v instanceof java.util.Collection<?> c) {
                bytes += 8L * c.size() + c.stream().mapToLong(e -> e instanceof CharSequence x ? utf8Bytes(x) : 0).sum();
            } else {
                bytes += 8;
            }
            if (bytes >= enough) {
                return bytes;
            }
        }
        return bytes;
    }

    private static long utf8Bytes(CharSequence cs) {
        long n = 0;
        for (int i = 0; i < cs.length(); i++) {
            char ch = cs.charAt(i);
            n += ch < 0x80 ? 1 : ch < 0x800 || Character.isSurrogate(ch) ? 2 : 3; // a surrogate pair: 4 bytes in two halves
        }
        return n;
    }

    /** {@code partial} with its unchanged columns taken from {@code stored}, or null when that is not safe. */
    private static GenericRecord fill(GenericRecord partial, List<?> unchanged, GenericRecord stored) {
        List<Long> at = position(partial);
        List<Long> was = position(stored);
        if (!at.get(0).equals(was.get(0)) || compare(was, at) >= 0) {
            return null;
        }
        GenericRecord after = (GenericRecord) partial.get(Envelope.Fields.AFTER);
        GenericRecord source = (GenericRecord) stored.get(Envelope.Fields.AFTER);
        GenericData.Record full = new GenericData.Record(after.getSchema());
        for (Schema.Field f : after.getSchema().getFields()) {
            full.put(f.pos(), after.get(f.pos()));
        }
        for (Object column : unchanged) {
            Schema.Field to = field(after.getSchema(), column.toString());
            Schema.Field from = field(source.getSchema(), column.toString());
            if (to == null || from == null || !to.schema().equals(from.schema())) {
                return null;
            }
            full.put(to.pos(), source.get(from.pos()));
        }
        GenericData.Record out = copy(partial);
        out.put(Envelope.Fields.AFTER, full);
        out.put(Envelope.Fields.UNCHANGED, List.of());
        return out;
    }

    /** The field holding source column {@code column} (its Avro name differs when Avro refuses the column's). */
    private static Schema.Field field(Schema row, String column) {
        Schema.Field f = row.getField(column);
        if (f != null && Envelope.columnName(f).equals(column)) {
            return f;
        }
        return row.getFields().stream().filter(x -> Envelope.columnName(x).equals(column)).findFirst().orElse(null);
    }

    private static GenericRecord withoutBefore(GenericRecord envelope) {
        if (envelope.get(Envelope.Fields.BEFORE) == null) {
            return envelope;
        }
        GenericData.Record r = copy(envelope);
        r.put(Envelope.Fields.BEFORE, null);
        return r;
    }

    private static GenericData.Record copy(GenericRecord r) {
        GenericData.Record c = new GenericData.Record(r.getSchema());
        for (Schema.Field f : r.getSchema().getFields()) {
            c.put(f.pos(), r.get(f.pos()));
        }
        return c;
    }

    @SuppressWarnings("unchecked")
    private static List<Long> position(GenericRecord envelope) {
        return (List<Long>) ((GenericRecord) envelope.get(Envelope.Fields.SOURCE)).get(Envelope.SourceFields.POS);
    }

    /** Positions compared element by element, as {@link io.tributary.schemas.event.Position} does. */
    private static int compare(List<Long> a, List<Long> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Long.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }
}
