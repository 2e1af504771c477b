package io.tributary.common.signal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Map;

/**
 * A request to re-snapshot one table of a source while the rest keeps streaming: written by
 * {@code tributary resnapshot} on {@link io.tributary.schemas.kafka.Topics#signals}, keyed by {@code table},
 * and acted on by the source's running capture (a new generation for that table, then its rows read again).
 *
 * <p>Wire form, JSON: {@code {"id": "...", "type": "resnapshot", "table": "schema.table", "requested_at": ms}}.
 * The id makes a request that is read twice (a capture restarted before it committed its read) act once.
 *
 * @param id            unique per request
 * @param table         {@code schema.table} as the source knows it ({@code main.<table>} for SQLite)
 * @param requestedAtMs when the request was made
 */
public record ResnapshotRequest(String id, String table, long requestedAtMs) {
    public static final String TYPE = "resnapshot";
    /** Settings of the signals topic: requests are events, kept 7 days, never compacted. */
    public static final Map<String, String> TOPIC = Map.of("cleanup.policy", "delete", "retention.ms", "604800000");
    private static final ObjectMapper JSON = new ObjectMapper();

    public byte[] toJson() {
        ObjectNode n = JSON.createObjectNode().put("id", id).put("type", TYPE).put("table", table).put("requested_at", requestedAtMs);
        return n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The request in {@code json}; an {@link IllegalArgumentException} naming what is wrong for anything else. */
    public static ResnapshotRequest fromJson(byte[] json) {
        JsonNode n;
        try {
            n = json == null ? null : JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("a signal that is not JSON: " + e.getMessage(), e);
        }
        if (n == null || !TYPE.equals(n.path("type").asText()) || !n.path("id").isTextual() || !n.path("table").isTextual()) {
            throw new IllegalArgumentException("not a resnapshot request (needs type \"resnapshot\", id and table): "
                    + (json == null ? "null" : new String(json, java.nio.charset.StandardCharsets.UTF_8)));
        }
        return new ResnapshotRequest(n.get("id").asText(), n.get("table").asText(), n.path("requested_at").asLong());
    }
}
