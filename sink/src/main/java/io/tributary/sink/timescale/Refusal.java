package io.tributary.sink.timescale;

/**
 * Something a target database has that a table's TimescaleDB declaration contradicts and TimescaleDB
 * cannot change in place; the sink refuses to write that table until it is resolved.
 *
 * @param key  where in the table's {@code timescale:} declaration, e.g. {@code time-column} or {@code aggregates[1]}
 * @param hint how to resolve it
 */
public record Refusal(String key, String message, String hint) {
    @Override
    public String toString() {
        return key + ": " + message + "; " + hint;
    }
}
