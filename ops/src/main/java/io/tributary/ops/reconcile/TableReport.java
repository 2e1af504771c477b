package io.tributary.ops.reconcile;

import java.util.List;

/**
 * What reconcile found for one owned table.
 *
 * @param table          the source table ({@code <source>.<schema>.<table>})
 * @param mode           what was compared: {@code all rows}, {@code last N rows}, {@code sample ...}, plus the window
 * @param sourceRows     source rows in scope (counted at the start)
 * @param targetRows     target rows in scope (counted at the start; rows flagged deleted left out)
 * @param comparedRows   source rows whose key ranges were compared (all in scope unless sampled)
 * @param missing        rows the target lacks, after the settle period
 * @param extra          rows only the target has
 * @param changed        rows on both sides with different values (beyond any tolerance)
 * @param unsettled      of those, how many were past the re-check cap and so counted without re-check
 * @param columns        the compared columns, in source order (the values of {@link Difference}'s rows)
 * @param key            the key columns
 * @param differences    the first differing rows, for a person to look at
 * @param notes          what a reader should know (tolerances, skipped columns)
 * @param error          why the table could not be compared, or null
 */
public record TableReport(String service, String table, String mode, long sourceRows, long targetRows, long comparedRows,
                          long missing, long extra, long changed, long unsettled, double maxMismatchRate,
                          List<String> columns, List<String> key, List<Difference> differences, List<String> notes,
                          String error, double seconds) {
    public TableReport {
        columns = List.copyOf(columns);
        key = List.copyOf(key);
        differences = List.copyOf(differences);
        notes = List.copyOf(notes);
    }

    /** A table that could not be compared. */
    static TableReport failed(String service, String table, String error, double seconds) {
        return new TableReport(service, table, "", 0, 0, 0, 0, 0, 0, 0, 0, List.of(), List.of(), List.of(), List.of(), error, seconds);
    }

    public long differing() {
        return missing + extra + changed;
    }

    /** Differing rows per compared source row (a table whose source is empty counts each extra row fully). */
    public double mismatchRate() {
        return differing() / (double) Math.max(1, comparedRows);
    }

    /** The table passes its gate: it was compared and its mismatch rate is at most the gate. */
    public boolean passed() {
        return error == null && mismatchRate() <= maxMismatchRate;
    }

    /** No row differs at all (stricter than {@link #passed()} when the gate allows some). */
    public boolean matches() {
        return error == null && differing() == 0;
    }

    public String verdict() {
        return error != null ? "ERROR" : passed() ? "PASS" : "FAIL";
    }
}
