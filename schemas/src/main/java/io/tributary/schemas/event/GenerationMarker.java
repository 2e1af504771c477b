package io.tributary.schemas.event;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * A snapshot generation of one source table: written on {@link io.tributary.schemas.kafka.Topics#generations}
 * once the table's snapshot is complete (capture-sqlite: in the same Kafka transaction as the snapshot's last
 * rows; capture-postgres: after Kafka acknowledged them). Every position of the snapshot and of the changes
 * streamed after it starts with {@code generation} (see {@link Position}). A reader that keeps a copy of the
 * table drops its rows of older generations when it applies the marker, and refuses older events from then
 * on: rows deleted while no capture was watching disappear that way.
 *
 * <p>The marker travels on its own topic, so a reader may see it before the snapshot rows it concludes (they
 * may still be on their way through a transform). {@code through}, when set, is the position of the
 * snapshot's last row on the table's topic: a reader that applies the marker only once it has read the
 * table's events up to that position never shows the table with the old rows gone and the new ones not yet
 * there. Null means the snapshot sent no row (the marker can be applied at once) or, for markers written
 * before the field existed, that the writer did not say.
 *
 * <p>Not to be confused with the WAL's salt epoch, which only orders WAL positions inside one generation.
 *
 * @param source     the source name
 * @param table      the table name (without schema)
 * @param generation the first element of every position of this snapshot and what follows it
 * @param through    the position of the snapshot's last row on the table's topic, or null
 */
public record GenerationMarker(String source, String table, long generation, Position through) {
    public static final Schema KEY_SCHEMA = SchemaBuilder.record("GenerationKey").namespace("io.tributary").fields()
            .requiredString("table").endRecord();
    /** Version 2: {@code through} added, optional with a null default (a compatible evolution of version 1). */
    public static final Schema VALUE_SCHEMA = SchemaBuilder.record("Generation").namespace("io.tributary").fields()
            .requiredString("source").requiredString("table").requiredLong("generation")
            .name("through").type().optional().array().items().longType()
            .endRecord();

    /** A marker that does not say where the snapshot's rows end. */
    public GenerationMarker(String source, String table, long generation) {
        this(source, table, generation, null);
    }

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
        v.put("through", through == null ? null : through.toList());
        return v;
    }

    /** The marker a {@link #value()} record holds (of either version). */
    @SuppressWarnings("unchecked")
    public static GenerationMarker of(GenericRecord value) {
        Object through = value.getSchema().getField("through") == null ? null : value.get("through");
        return new GenerationMarker(value.get("source").toString(), value.get("table").toString(), (Long) value.get("generation"),
                through == null ? null : Position.fromList((List<Long>) through));
    }
}
