package io.tributary.schemas.kafka;

import io.tributary.schemas.event.TableRef;

/**
 * Every Kafka topic name of the contract, in one place. Service teams read the per-table and per-service
 * topics; the others are Tributary's own bookkeeping, listed here so that nobody builds a name by hand.
 *
 * <table>
 *   <caption>Topics</caption>
 *   <tr><th>topic</th><th>written by</th><th>what</th></tr>
 *   <tr><td>{@code <source>.<schema>.<table>}</td><td>captures</td><td>change events of one source table</td></tr>
 *   <tr><td>{@code <service>.<table>}</td><td>transform</td><td>the normalised events of a table the service owns</td></tr>
 *   <tr><td>{@code tributary.dlq.<stage>.<service>}</td><td>transform, sink</td><td>records a stage could not process, with the reason in headers</td></tr>
 *   <tr><td>{@code tributary.offsets.<source>}</td><td>capture-postgres</td><td>Debezium's source offsets</td></tr>
 *   <tr><td>{@code tributary.positions.<source>}</td><td>capture-sqlite</td><td>the WAL position, written in the same transaction as the events</td></tr>
 *   <tr><td>{@code tributary.generations.<source>}</td><td>captures</td><td>generation markers ({@link io.tributary.schemas.event.GenerationMarker})</td></tr>
 *   <tr><td>{@code tributary.snapshots.<source>}</td><td>capture-postgres</td><td>each table's generation and whether its snapshot completed</td></tr>
 *   <tr><td>{@code tributary.signals.<source>}</td><td>{@code tributary resnapshot}</td><td>requests to the source's capture (re-snapshot a table)</td></tr>
 * </table>
 */
public final class Topics {
    private static final String PREFIX = "tributary.";

    private Topics() {
    }

    /**
     * The per-table topic a capture writes a source table's change events to; a character Kafka refuses in a
     * topic name (anything but letters, digits, '.', '_' and '-', e.g. the '$' of {@code order$lines}) becomes
     * '_'. The envelope keeps the table's own name ({@code tributary.table}).
     */
    public static String perTable(TableRef table) {
        return valid(table.source() + "." + table.schema() + "." + table.table());
    }

    /** The per-service topic the transform writes the owned table's normalised events to (made valid as {@link #perTable}). */
    public static String perService(String service, String table) {
        return valid(service + "." + table);
    }

    private static final java.util.regex.Pattern REFUSED = java.util.regex.Pattern.compile("[^A-Za-z0-9._-]");

    /**
     * Called for every event by the stages that name topics per event: a name that needs no change (nearly all)
     * is returned after one scan, without the regular expression (a profile of the sink showed a seventh of its
     * time in compiling it per event). A refused code point, a surrogate pair included, becomes one '_'.
     */
    private static String valid(String topic) {
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
                return REFUSED.matcher(topic).replaceAll("_");
            }
        }
        return topic;
    }

    /** Dead letters of one stage for one service ({@code transform}, {@code sink}) or source ({@code capture}). */
    public static String deadLetters(String stage, String service) {
        return PREFIX + "dlq." + stage + "." + service;
    }

    /** Debezium's source offsets of a PostgreSQL source. */
    public static String offsets(String source) {
        return PREFIX + "offsets." + source;
    }

    /** The WAL positions of a SQLite source. */
    public static String positions(String source) {
        return PREFIX + "positions." + source;
    }

    /**
     * Generation markers of a source: after each snapshot, one record per table (key {@code table}, value
     * {@code source, table, generation}) written in the snapshot's last Kafka transaction. A sink drops the
     * rows of that table whose position is of an older generation, and refuses older events from then on.
     */
    public static String generations(String source) {
        return PREFIX + "generations." + source;
    }

    /**
     * capture-postgres's snapshot bookkeeping: per table (key {@code schema.table}), the generation its latest
     * snapshot began and whether that snapshot completed. Written before a snapshot's first row, so a
     * restarted capture keeps each table's generation.
     */
    public static String snapshots(String source) {
        return PREFIX + "snapshots." + source;
    }

    /** Requests to a source's capture, such as re-snapshotting one table ({@code tributary resnapshot}). */
    public static String signals(String source) {
        return PREFIX + "signals." + source;
    }

    /** Whether a topic holds generation markers (of any source). */
    public static boolean isGenerations(String topic) {
        return topic.startsWith(PREFIX + "generations.");
    }
}
