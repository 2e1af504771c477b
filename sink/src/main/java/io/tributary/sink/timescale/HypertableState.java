package io.tributary.sink.timescale;

import java.util.List;
import java.util.Map;

/**
 * What the target database has for one hypertable, read by {@link HypertableCatalog}. Intervals are
 * PostgreSQL's own text for them ({@code interval::text}), so that "1 hour" and "60 minutes" compare
 * equal; null means "none" (no policy).
 *
 * @param otherDimensions columns the hypertable is partitioned by besides its time column
 * @param compressEvery   the compression policy's schedule interval
 * @param orderBy         compression order as "column [DESC]", lower case
 * @param aggregates      the continuous aggregates with a declared name, by name
 * @param clashes         declared aggregate names taken by a relation that is not a continuous aggregate
 */
record HypertableState(String timeColumn, String chunkInterval, List<String> otherDimensions, boolean compressionEnabled,
                       List<String> segmentBy, List<String> orderBy, String compressAfter, String compressEvery, String retention,
                       Map<String, AggregateState> aggregates, List<String> clashes) {

    /**
     * One continuous aggregate as the database has it.
     *
     * @param definition its query as PostgreSQL prints it back ({@code pg_get_viewdef} of its direct view),
     *                   comparable with a declared query printed the same way
     * @param source     the hypertable or aggregate it is built on
     * @param policy     whether it has a refresh policy; the offsets are null when unbounded or without one
     */
    record AggregateState(String name, String source, String definition, boolean materializedOnly, boolean policy,
                          String refreshStart, String refreshEnd, String refreshEvery) {
    }
}
