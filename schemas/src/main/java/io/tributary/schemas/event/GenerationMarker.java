package io.tributary.schemas.event;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * A snapshot generation of one source table: written on {@link io.tributary.schemas.kafka.Topics#generations}
 * in the same Kafka transaction as the snapshot's last rows. Every position of the snapshot and of the
 * changes streamed after it starts with {@code generation} (see {@link Position}). A reader that keeps a copy
 * of the table drops its rows of older generations when it sees the marker, and refuses older events from
 * then on: rows deleted while no capture was watching disappear that way.
 *
 * <p>Not to be confused with the WAL's salt epoch, which only orders WAL positions inside one generation.
 *
 * @param source     the source name
 * @param table      the table name (without schema)
 * @param generation the first element of every position of this snapshot and what follows it
 */
public record GenerationMarker(String source, String table, long generation) {
    public static final Schema KEY_SCHEMA = SchemaBuilder.record("GenerationKey").namespace("io.tributary").fields()
            .requiredString("table").endRecord();
    public static final Schema VALUE_SCHEMA = SchemaBuilder.record("Generation").namespace("io.tributary").fields()
            .requiredString("source").requiredString("table").requiredLong("generation").endRecord();

    /** The record key: the table, so that a compacted topic keeps each table's newest marker. */
    public GenericRecord key() {
        GenericData.Record k = new GenericData.Record(KEY_SCHEMA);
        k.put("table", table);
        return k;
    }

    public GenericRecord value() {
        GenericData.Record v = new GenericData.Record(VALUE_SCHEMA);
        v.put("source", source);
        v.put("table", table);
        v.put("generation", generation);
        return v;
    }

    /** The marker a {@link #value()} record holds. */
    public static GenerationMarker of(GenericRecord value) {
        return new GenerationMarker(value.get("source").toString(), value.get("table").toString(), (Long) value.get("generation"));
    }
}
