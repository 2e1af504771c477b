package io.tributary.common.config;

/** One thing wrong with a pipeline file: the key it is at, what is wrong, and how to fix it. */
public record ConfigProblem(String key, String message, String hint) {
    @Override
    public String toString() {
        return key + ": " + message + (hint == null || hint.isBlank() ? "" : " (hint: " + hint + ")");
    }
}
