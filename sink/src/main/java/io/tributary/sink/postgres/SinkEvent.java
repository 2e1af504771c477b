package io.tributary.sink.postgres;

import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import java.util.List;
import java.util.Map;

/**
 * One decoded event on its way into the target, with where it came from (to dead-letter or park it with
 * its original bytes). {@code parkedId} is set when the event was read back from {@code _tributary_parked}.
 */
record SinkEvent(TableSchema table, Op op, Map<String, Object> before, Map<String, Object> after, List<String> unchanged,
                 Position position, long commitTsMs, String topic, int partition, long offset, byte[] rawKey, byte[] rawValue,
                 Long parkedId) {

    /** The row image that carries the key: after for inserts and updates, before for deletes. */
    Map<String, Object> image() {
        return op == Op.DELETE ? before : after;
    }

    List<Object> keyValues() {
        Map<String, Object> img = image();
        return table.primaryKey().stream().map(img::get).toList();
    }

    String describe() {
        return table.table().topic() + " key=" + keyValues() + " pos=" + position + " (" + topic + "/" + partition + "@" + offset + ")";
    }
}
