package io.tributary.ops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.schemas.event.TableSchema;
import io.tributary.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tributary reconcile} on a large SQLite table against its PostgreSQL copy with three rows corrupted
 * (a changed value, a missing row, an extra row), run as the operator runs it: a separate JVM through the
 * deployables' entry point, with a heap of 32 MiB, less than the table's rows take in memory (about 50 MiB of
 * row text for the default 250,000 rows). It must find exactly those three rows and exit 1, writing only JSON on
 * standard output. The same test at 1M rows took over two minutes under this machine's usual shared load
 * (13.7 s when it was quiet), so the IT keeps 250,000 rows ({@code -Dtributary.it.reconcile.rows=1000000} runs
 * the 1M version) and {@code bin/tributary bench reconcile} measures 1M and 10M.
 */
class ReconcileLargeIT {
    static final long ROWS = Long.getLong("tributary.it.reconcile.rows", 250_000);

    @TempDir
    Path dir;

    @Test
    void findsExactlyTheCorruptedRowsOfALargeTableInASmallHeap() throws Exception {
        Path sqlite = dir.resolve("large.db");
        ReconcileBench.sqliteSource(sqlite, ROWS);
        String target = TestServers.newDatabase("reconcile_large");
        ReconcileBench.postgresTable(target, ROWS, TableSchema.ROWID_COLUMN, true);
        ReconcileBench.corrupt(target, ROWS, TableSchema.ROWID_COLUMN);
        Path pipeline = ReconcileBench.pipeline(dir.resolve("pipeline.yaml"), sqlite, null, target);

        Path out = dir.resolve("stdout.json");
        Path err = dir.resolve("stderr.txt");
        Path gc = dir.resolve("gc.log");
        Process p = new ProcessBuilder(ReconcileBench.childCommand("32m", gc, pipeline)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(15, TimeUnit.MINUTES), "reconcile did not end within 15 minutes");
        String stderr = Files.readString(err);
        assertEquals(1, p.exitValue(), "exit 1: the table does not pass; stderr:\n" + stderr);

        JsonNode report = new ObjectMapper().readTree(Files.readString(out)); // fails if anything but JSON was written
        JsonNode table = report.path("tables").get(0);
        assertEquals("FAIL", report.path("verdict").asText());
        assertEquals(ROWS, table.path("source_rows").asLong());
        assertEquals(ROWS, table.path("target_rows").asLong());
        List<String> found = new ArrayList<>();
        for (JsonNode d : table.path("differences")) {
            List<String> cols = new ArrayList<>();
            d.path("columns").forEach(c -> cols.add(c.asText()));
            found.add(d.path("key").get(0).asText() + " " + d.path("kind").asText().toUpperCase(java.util.Locale.ROOT) + " " + cols);
        }
        found.sort(null);
        List<String> expected = new ArrayList<>(ReconcileBench.corruption(ROWS));
        expected.sort(null);
        assertEquals(expected, found, "exactly the corrupted rows");
        long peak = ReconcileBench.peakHeapMb(gc);
        assertTrue(peak > 0 && peak <= 32, "the heap stayed within 32 MiB and was collected at least once: " + peak);
        System.out.printf("reconcile of %,d rows in a 32 MiB heap: peak heap in use %d MiB, %.1f s%n", ROWS, peak, table.path("seconds").asDouble());
    }
}
