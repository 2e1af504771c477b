package io.tributary.capture.sqlite;

import io.tributary.capture.sqlite.wal.WalPosition;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.kafka.KafkaSetup;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The capture's stored source position (what capture-postgres keeps as Debezium's offsets), in the compacted
 * topic {@code tributary.positions.<source>}, written by {@link PositionContext} in the same Kafka
 * transaction as the events up to it, so that after a crash the position and the events agree. Not an
 * event's {@link io.tributary.schemas.event.Position}: that one is derived from it, per row.
 *
 * @param generation   the generation of the last snapshot of every table (its start time in ms); grows with
 *                     every new snapshot
 * @param epoch        how many WAL epochs (WAL restarts) the tailer followed since that snapshot
 * @param wal          the WAL position of the last transaction written (or the snapshot's), in its WAL epoch
 * @param snapshotDone false while a snapshot is being written: a restart then takes a new snapshot
 * @param tables       tables snapshotted alone since ({@code tributary resnapshot}): table name to its own,
 *                     newer generation
 * @param resyncing    true while a resync ({@link SqliteResync}) is being written: a restart then resyncs again,
 *                     and the events up to the WAL's end are not all in Kafka yet (no WAL position is stored)
 */
record TailPosition(long generation, long epoch, WalPosition wal, boolean snapshotDone, Map<String, Long> tables, boolean resyncing) {
    static final Schema KEY = SchemaBuilder.record("TailKey").namespace("io.tributary").fields().requiredString("source").endRecord();
    /** Version 2: {@code tables} added with an empty default; version 3: {@code resyncing}, default false (compatible evolutions). */
    static final Schema VALUE = SchemaBuilder.record("TailPosition").namespace("io.tributary").fields()
            .requiredLong("generation").requiredLong("epoch").requiredLong("checkpointSequence").requiredLong("salt1")
            .requiredLong("salt2").requiredLong("commitFrame").requiredBoolean("snapshotDone")
            .name("tables").type().map().values().longType().mapDefault(Map.of())
            .name("resyncing").type().booleanType().booleanDefault(false).endRecord();

    TailPosition {
        tables = Map.copyOf(tables);
    }

    /** A position that is not in the middle of a resync. */
    TailPosition(long generation, long epoch, WalPosition wal, boolean snapshotDone, Map<String, Long> tables) {
        this(generation, epoch, wal, snapshotDone, tables, false);
    }

    GenericRecord toValue() {
        GenericData.Record r = new GenericData.Record(VALUE);
        r.put("generation", generation);
        r.put("epoch", epoch);
        r.put("checkpointSequence", wal == null ? -1L : wal.checkpointSequence());
        r.put("salt1", wal == null ? -1L : wal.salt1());
        r.put("salt2", wal == null ? -1L : wal.salt2());
        r.put("commitFrame", wal == null ? -1L : wal.commitFrame());
        r.put("snapshotDone", snapshotDone);
        r.put("tables", tables);
        r.put("resyncing", resyncing);
        return r;
    }

    static GenericRecord key(String source) {
        GenericData.Record k = new GenericData.Record(KEY);
        k.put("source", source);
        return k;
    }

    static TailPosition fromValue(GenericRecord r) {
        long cs = (Long) r.get("checkpointSequence");
        WalPosition wal = cs < 0 ? null : new WalPosition(cs, (Long) r.get("salt1"), (Long) r.get("salt2"), (Long) r.get("commitFrame"));
        Map<String, Long> tables = new java.util.HashMap<>();
        if (r.getSchema().getField("tables") != null && r.get("tables") != null) {
            ((Map<?, ?>) r.get("tables")).forEach((k, v) -> tables.put(k.toString(), (Long) v));
        }
        boolean resyncing = r.getSchema().getField("resyncing") != null && Boolean.TRUE.equals(r.get("resyncing"));
        return new TailPosition((Long) r.get("generation"), (Long) r.get("epoch"), wal, (Boolean) r.get("snapshotDone"), tables, resyncing);
    }

    /** The last committed position of {@code source}, or null when there is none. */
    static TailPosition latest(PipelineConfig.Kafka kafka, SchemaRegistryClient registry, String source) {
        try (Reader reader = new Reader(kafka, registry, source)) {
            return reader.latest();
        }
    }

    /**
     * Reads the last committed position of one source as often as asked with one Kafka consumer (a fence checks
     * every 250 ms: a consumer per check would cost a connection, a metadata round trip and a thread each time).
     * One thread at a time; close it when done.
     */
    static final class Reader implements AutoCloseable {
        private final TopicPartition tp;
        private final KafkaConsumer<GenericRecord, GenericRecord> consumer;

        Reader(PipelineConfig.Kafka kafka, SchemaRegistryClient registry, String source) {
            Map<String, Object> props = KafkaSetup.base(kafka);
            props.put("isolation.level", "read_committed");
            props.put("enable.auto.commit", false);
            this.tp = new TopicPartition(Topics.positions(source), 0);
            this.consumer = new KafkaConsumer<>(props, new AvroSerde(registry, true), new AvroSerde(registry, false));
            consumer.assign(List.of(tp));
        }

        /** The last committed position now, or null when there is none. */
        TailPosition latest() {
            consumer.seekToEnd(List.of(tp));
            long end = consumer.position(tp);
            if (end == 0) {
                return null;
            }
            consumer.seek(tp, Math.max(0, end - 100));
            TailPosition last = null;
            long deadline = System.currentTimeMillis() + 30_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<GenericRecord, GenericRecord> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() != null) {
                        last = fromValue(r.value());
                    }
                }
            }
            return last;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
