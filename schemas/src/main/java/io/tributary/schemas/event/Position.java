package io.tributary.schemas.event;

import java.util.Arrays;
import java.util.List;

/**
 * Where an event stands in its source table's history. Positions of one table only grow, compared element
 * by element (lexicographically), so a sink can refuse an event older than what it already applied. The
 * first element is the table's generation: each snapshot of the table starts a new, higher one
 * ({@link GenerationMarker}). Always four longs:
 * <ul>
 *   <li>PostgreSQL: {@code [generation, commit LSN of the previous transaction, LSN of the change, ordinal
 *       among changes at that LSN]}; a snapshot row (initial or incremental) is {@code [generation, 0, 0,
 *       row number]}, older than every change streamed in its generation. (pgoutput does not hand Debezium
 *       the commit LSN of the current transaction; the previous one's still grows strictly from one
 *       transaction to the next.) Positions written before generations existed start with 0.</li>
 *   <li>SQLite: {@code [generation, WAL salt epoch, commit frame, ordinal in the transaction]}.</li>
 * </ul>
 * The same array is stored by the sink as a PostgreSQL {@code bigint[]}, whose order is the same.
 */
public record Position(long[] parts) implements Comparable<Position> {
    public static final int LENGTH = 4;

    public Position {
        if (parts.length != LENGTH) {
            throw new IllegalArgumentException("a position has " + LENGTH + " parts, got " + parts.length);
        }
        parts = parts.clone();
    }

    public static Position of(long a, long b, long c, long d) {
        return new Position(new long[] {a, b, c, d});
    }

    public static Position fromList(List<Long> list) {
        return new Position(list.stream().mapToLong(Long::longValue).toArray());
    }

    public List<Long> toList() {
        return Arrays.stream(parts).boxed().toList();
    }

    @Override
    public long[] parts() {
        return parts.clone();
    }

    @Override
    public int compareTo(Position o) {
        return Arrays.compare(parts, o.parts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Position p && Arrays.equals(parts, p.parts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(parts);
    }

    @Override
    public String toString() {
        return Arrays.toString(parts);
    }
}
