package io.tributary.common.config;

/** A value that must never appear in a log line: {@link #toString()} masks it. */
public record Secret(String value) {
    public static final Secret NONE = new Secret("");

    @Override
    public String toString() {
        return value.isEmpty() ? "" : "******";
    }
}
