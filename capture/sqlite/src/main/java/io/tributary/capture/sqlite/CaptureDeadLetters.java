package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.common.kafka.ChangeEventWriter;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.kafka.Topics;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rows capture-sqlite cannot carry as change events (a value its column's contract type cannot hold
 * exactly, {@link io.tributary.capture.sqlite.wal.SqliteTypes.ValueMismatch}): written to the source's
 * dead-letter topic {@code tributary.dlq.capture.<source>} in the same Kafka transaction as the
 * events around them, with the reason, the table, the op, the key, the position and the row as stored
 * (values as text, BLOBs in hex), so that an operator can fix the row in the application's database;
 * the next change of the fixed row is captured as usual. Counted in
 * {@code tributary.errors{stage=capture-sqlite,service=<source>,kind=dead_letter}}.
 *
 * <p>Not guaranteed: the target keeps the row as it was before the dead-lettered change (or lacks it, for
 * a dead-lettered create or snapshot row) until the source row changes again.
 */
final class CaptureDeadLetters {
    private static final Logger log = LoggerFactory.getLogger(CaptureDeadLetters.class);
    static final Schema KEY = SchemaBuilder.record("CaptureDeadLetterKey").namespace("io.tributary.capture.sqlite").fields()
            .requiredString("table").requiredString("key").endRecord();
    static final Schema VALUE = SchemaBuilder.record("CaptureDeadLetter").namespace("io.tributary.capture.sqlite").fields()
            .requiredString("source").requiredString("table").requiredString("op").requiredString("key")
            .requiredString("position").requiredString("reason").optionalString("row").endRecord();

    private final String source;
    private final Counter count;

    CaptureDeadLetters(String source, MeterRegistry metrics) {
        this.source = source;
        this.count = metrics.counter("tributary.errors", "stage", "capture-sqlite", "service", source, "kind", "dead_letter");
    }

    static String topic(String source) {
        return Topics.deadLetters("capture", source);
    }

    /** Writes one dead letter in the writer's open transaction. */
    void send(ChangeEventWriter writer, TableRef table, Op op, List<Object> key, Position position, String reason, List<Object> row) {
        GenericRecord k = new GenericData.Record(KEY);
        k.put("table", table.table());
        k.put("key", text(key));
        GenericRecord v = new GenericData.Record(VALUE);
        v.put("source", source);
        v.put("table", table.table());
        v.put("op", op.code());
        v.put("key", text(key));
        v.put("position", position.toString());
        v.put("reason", reason);
        v.put("row", row == null ? null : text(row));
        writer.send(topic(source), k, v);
        count.increment();
        log.warn("dead-lettered a row source={} table={} op={} key={} position={} topic={} reason={}", source, table.table(), op.code(),
                text(key), position, topic(source), reason);
    }

    private static String text(List<Object> values) {
        return Arrays.toString(values.stream().map(v -> v instanceof byte[] b ? "x'" + HexFormat.of().formatHex(b) + "'" : v).toArray());
    }
}
