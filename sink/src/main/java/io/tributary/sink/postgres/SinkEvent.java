package io.tributary.sink.postgres;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableSchema;
import java.util.List;
import java.util.Map;

/**
 * One change event on its way into the target, with where it came from (to dead-letter or park it with
 * its original bytes). {@code parkedId} is set when the event was read back from the parked-events table.
 * The accessors below only shorten {@code event().x()}.
 */
record SinkEvent(ChangeEvent event, String topic, int partition, long offset, byte[] rawKey, byte[] rawValue, Long parkedId) {

    TableSchema schema() {
        return event.schema();
    }

    Op op() {
        return event.op();
    }

    Map<String, Object> before() {
        return event.before();
    }

    Map<String, Object> after() {
        return event.after();
    }

    List<String> unchanged() {
        return event.unchanged();
    }

    Position position() {
        return event.position();
    }

    List<Object> keyValues() {
        return event.keyValues();
    }

    String describe() {
        return event.schema().table().topic() + " key=" + keyValues() + " pos=" + position() + " (" + topic + "/" + partition + "@" + offset + ")";
    }
}
