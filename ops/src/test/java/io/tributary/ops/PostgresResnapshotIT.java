package io.tributary.ops;

import static io.tributary.ops.PostgresScenario.await;
import static io.tributary.ops.PostgresScenario.sql;
import static io.tributary.ops.PostgresScenario.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.common.sql.Bookkeeping;
import io.tributary.ops.cli.TributaryCommand;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Op;
import io.tributary.testkit.TestServers;
import java.util.ArrayList;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Later snapshots of single PostgreSQL tables, end to end on real servers, while an application keeps
 * inserting, updating and deleting: a table added to the pipeline file is backfilled while the others
 * stream, and {@code tributary resnapshot} re-reads one table under load, correcting what the target got
 * wrong and dropping rows the source no longer has, without the table ever looking empty to a reader.
 */
class PostgresResnapshotIT {
    @TempDir
    Path dir;

    private static final String TABLE = "(id bigint PRIMARY KEY, v text NOT NULL)";

    @Test
    void aTableAddedToThePipelineLaterIsBackfilledWhileTheOtherKeepsStreaming() throws Exception {
        PostgresScenario pg = new PostgresScenario(dir, "backfill");
        sql(pg.sourceUrl, "CREATE TABLE orders " + TABLE + "; INSERT INTO orders SELECT g, 'o' FROM generate_series(1, 1000) g;"
                + "CREATE TABLE fills " + TABLE + "; INSERT INTO fills SELECT g, 'f' FROM generate_series(1, 50000) g;");
        pg.pipeline("orders");
        try (PipelineRunner first = new PipelineRunner(pg.file)) {
            pg.awaitMatch(first);
        }
        pg.pipeline("orders", "fills");
        try (Workload app = new Workload(pg.sourceUrl, 1000, "orders");
             Workload fillsApp = new Workload(pg.sourceUrl, 50000, "fills");
             PipelineRunner runner = new PipelineRunner(pg.file)) {
            // 50,000 rows in incremental-snapshot chunks beside two writers: minutes on a loaded 2-core machine
            await(() -> pg.appliedGeneration("fills") != null, Duration.ofSeconds(600), "the backfill of fills applied in the target");
            app.close();
            fillsApp.close();
            pg.awaitMatch(runner);
            assertEquals(String.valueOf(pg.appliedGeneration("fills")), value(pg.targetUrl, "SELECT min(" + Bookkeeping.POSITION + "[1]) FROM fills"),
                    "every row of fills is of its backfill's generation");
            // the capture never stopped streaming orders: its changes were written between the backfill's first and last rows
            List<ChangeEvent> fills = PostgresScenario.events(pg.source + ".public.fills");
            LongSummaryStatistics backfill = fills.stream().filter(e -> e.op() == Op.READ).mapToLong(ChangeEvent::tsMs).summaryStatistics();
            assertTrue(backfill.getCount() > 40000, "the backfill read fills: " + backfill);
            long during = PostgresScenario.events(pg.source + ".public.orders").stream()
                    .filter(e -> e.op() == Op.CREATE && e.tsMs() > backfill.getMin() && e.tsMs() < backfill.getMax()).count();
            // a blocking snapshot would stream nothing in between; Debezium reads chunks on the streaming thread, so on a busy
            // machine the stream slows down while chunks are read (how much varies), but it never stops
            assertTrue(during > 0, "orders streamed while fills was backfilled: " + during + " inserts between " + backfill);
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }

    @Test
    void resnapshotUnderALiveWorkloadEndsExactAndTheTableNeverLooksEmpty() throws Exception {
        PostgresScenario pg = new PostgresScenario(dir, "resnap");
        sql(pg.sourceUrl, "CREATE TABLE items " + TABLE + "; INSERT INTO items SELECT g, 'i' FROM generate_series(1, 800) g;"
                + "CREATE TABLE other " + TABLE + "; INSERT INTO other SELECT g, 'x' FROM generate_series(1, 100) g;");
        pg.pipeline("items", "other");
        try (PipelineRunner runner = new PipelineRunner(pg.file)) {
            pg.awaitMatch(runner);
            long itemsBefore = pg.appliedGeneration("items");
            long otherBefore = pg.appliedGeneration("other");
            // the target went wrong behind the sink's back: a changed value, and a row the source does not have
            // (as if deleted while nobody watched), both of the current generation
            sql(pg.targetUrl, "UPDATE items SET v = 'stale' WHERE id = 7; INSERT INTO items SELECT 900000, 'gone', "
                    + Bookkeeping.POSITION + " FROM items WHERE id = 8");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit;
            try (Workload app = new Workload(pg.sourceUrl, 800, "items", "other"); TargetReader reader = new TargetReader(pg.targetUrl, "items")) {
                CommandLine cli = TributaryCommand.commandLine();
                cli.setOut(new PrintWriter(out, true));
                cli.setErr(new PrintWriter(err, true));
                exit = cli.execute("resnapshot", "--config", pg.file.toString(), "--source", pg.source, "--table", "public.items",
                        "--wait", "--timeout", "180");
                // the sink applies the marker once it has read the snapshot's last row
                await(() -> pg.appliedGeneration("items") > itemsBefore, Duration.ofSeconds(120), "the new generation applied in the target");
                app.close();
                pg.awaitMatch(runner);
                reader.close();
                assertTrue(reader.polls.get() > 10, "the reader polled throughout: " + reader.polls.get());
                assertEquals(null, reader.failure.get(), "the reader's queries failed");
                assertTrue(reader.lowest.get() > 0, "a reader saw items empty");
            }
            assertEquals(0, exit, "out: " + out + " err: " + err);
            assertTrue(out.toString().contains("complete: generation"), out.toString());
            assertNotEquals("stale", value(pg.targetUrl, "SELECT v FROM items WHERE id = 7"), "the stale row is corrected");
            assertNull(value(pg.targetUrl, "SELECT v FROM items WHERE id = 900000"), "the row the source does not have is gone");
            assertEquals(otherBefore, pg.appliedGeneration("other"), "the other table keeps its generation");
            assertNotNull(runner.exitCodes());
            assertNull(runner.failed(), runner.exitCodes().toString());
        }
    }
}
