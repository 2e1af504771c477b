package io.tributary.schemas.registry;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * A record {@link AvroSerde} read, holding the wire bytes it was read from, so that writing it again unchanged (the
 * transform forwards most envelopes as they came) costs a copy of those bytes with the new subject's schema id
 * instead of an Avro encoding. A {@code put} on it drops the bytes: it is then encoded like any record.
 *
 * <p>Not seen: a change made inside one of its values in place (the {@code after} record, a list). Nothing in
 * Tributary changes a record it read in place; it builds a new one (the transform's {@code Normalizer} and
 * {@code FullRows} do), and code that does must build a new record too.
 */
final class WireRecord extends GenericData.Record {
    private byte[] wire;

    WireRecord(Schema schema) {
        super(schema);
    }

    /** Called once the record is read: its fields were set through {@code put}, which dropped nothing yet to drop. */
    void readFrom(byte[] bytes) {
        this.wire = bytes;
    }

    /** The Confluent wire bytes this record was read from; null once it was changed. */
    byte[] wire() {
        return wire;
    }

    @Override
    public void put(String key, Object value) {
        wire = null;
        super.put(key, value);
    }

    @Override
    public void put(int i, Object v) {
        wire = null;
        super.put(i, v);
    }
}
