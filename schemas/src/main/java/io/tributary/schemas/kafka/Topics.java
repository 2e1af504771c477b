package io.tributary.schemas.kafka;

/** Names of the topics that are part of the contract besides the per-table and per-service topics. */
public final class Topics {
    private Topics() {
    }

    /**
     * Generation markers of a SQLite source: after each snapshot, one record per table (key {@code table},
     * value {@code source, table, generation}) written in the snapshot's last Kafka transaction. A sink drops
     * the rows of that table whose position is of an older generation, and refuses older events from then on.
     */
    public static String generations(String source) {
        return "tributary.generations." + source;
    }
}
