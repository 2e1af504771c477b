package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

class PostgresPositionsTest {
    /** The fields of Debezium's PostgreSQL {@code source} block that positions are made of. */
    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("sequence", Schema.OPTIONAL_STRING_SCHEMA)
            .field("snapshot", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    private static final long G = 1_700_000_000_000L;

    private final PostgresPositions positions = new PostgresPositions();

    @Test
    void changesOfOneTransactionGrowWithTheirLsn() {
        List<Position> tx = List.of(
                positions.change(G, "[\"100\",\"150\"]", 150),
                positions.change(G, "[\"100\",\"160\"]", 160),
                positions.change(G, "[\"100\",\"170\"]", 170));
        assertEquals(List.of(Position.of(G, 100, 150, 0), Position.of(G, 100, 160, 0), Position.of(G, 100, 170, 0)), tx);
        assertStrictlyGrowing(tx);
    }

    @Test
    void aLaterTransactionIsNewerEvenWhenItsChangesHaveLowerLsns() {
        // Transactions reach pgoutput in commit order, but a transaction that commits later may have written
        // its changes earlier in the WAL: the previous commit LSN, compared first, still orders them.
        Position firstTx = positions.change(G, "[\"100\",\"160\"]", 160);
        Position secondTx = positions.change(G, "[\"180\",\"155\"]", 155);
        Position thirdTx = positions.change(G, "[\"190\",\"195\"]", 195);
        assertStrictlyGrowing(List.of(firstTx, secondTx, thirdTx));
        assertEquals(Position.of(G, 180, 155, 0), secondTx);
    }

    @Test
    void changesAtTheSameLsnGetGrowingOrdinals() {
        List<Position> same = List.of(
                positions.change(G, "[\"100\",\"200\"]", 200),
                positions.change(G, "[\"100\",\"200\"]", 200),
                positions.change(G, "[\"100\",\"200\"]", 200));
        assertEquals(List.of(0L, 1L, 2L), same.stream().map(p -> p.parts()[3]).toList());
        assertStrictlyGrowing(same);
        assertEquals(Position.of(G, 100, 210, 0), positions.change(G, "[\"100\",\"210\"]", 210), "a new LSN starts at ordinal 0");
        assertEquals(Position.of(G, 300, 210, 0), positions.change(G, "[\"300\",\"210\"]", 210),
                "the same LSN under another previous commit is another change: ordinal 0");
    }

    @Test
    void previousCommitLsnIsTheFirstElementOfTheSequenceOrZero() {
        assertEquals(0, PostgresPositions.previousCommitLsn(null));
        assertEquals(0, PostgresPositions.previousCommitLsn("[null,\"123\"]"));
        assertEquals(0, PostgresPositions.previousCommitLsn("[]"));
        assertEquals(100, PostgresPositions.previousCommitLsn("[\"100\",\"123\"]"));
        assertEquals(100, PostgresPositions.previousCommitLsn("[\"100\", \"123\"]"));
        assertEquals(Position.of(G, 0, 123, 0), positions.change(G, "[null,\"123\"]", 123));
        assertEquals(Position.of(G, 0, 124, 0), positions.change(G, null, 124));
    }

    @Test
    void previousCommitLsnEdgeCases() {
        assertEquals(0, PostgresPositions.previousCommitLsn(""), "no text");
        assertEquals(0, PostgresPositions.previousCommitLsn("[\"\"]"), "an empty element");
        assertEquals(0, PostgresPositions.previousCommitLsn("[,\"123\"]"), "a missing first element");
        assertEquals(0, PostgresPositions.previousCommitLsn("[,]"), "commas alone (the regex version failed on an empty array)");
        assertEquals(0, PostgresPositions.previousCommitLsn("[\"null\",\"123\"]"), "a quoted null");
        assertEquals(0, PostgresPositions.previousCommitLsn("[ null , \"123\"]"), "null among spaces");
        assertEquals(0, PostgresPositions.previousCommitLsn("[\"0\"]"));
        assertEquals(100, PostgresPositions.previousCommitLsn("[\"100\"]"), "one element");
        assertEquals(100, PostgresPositions.previousCommitLsn("100"), "no brackets, no quotes");
        assertEquals(100, PostgresPositions.previousCommitLsn(" [ \" 100 \" , \"123\" ] "), "spaces everywhere");
        assertEquals(1234, PostgresPositions.previousCommitLsn("[\"1 2\"34\"]"), "spaces and quotes are dropped inside the element too");
        assertEquals(100, PostgresPositions.previousCommitLsn("[\"000100\",\"123\"]"), "leading zeros");
        assertEquals(-5, PostgresPositions.previousCommitLsn("[\"-5\"]"), "a sign, as Long.parseLong reads it");
        assertEquals(5, PostgresPositions.previousCommitLsn("[\"+5\"]"), "a sign, as Long.parseLong reads it");
        assertEquals(Long.MAX_VALUE, PostgresPositions.previousCommitLsn("[\"" + Long.MAX_VALUE + "\",\"1\"]"), "19 digits");
        assertEquals(123456789012345678L, PostgresPositions.previousCommitLsn("[\"123456789012345678\"]"), "18 digits");
        assertEquals(100, PostgresPositions.previousCommitLsn("[\"100\",null]"), "only the first element counts");
        assertThrows(NumberFormatException.class, () -> PostgresPositions.previousCommitLsn("[\"9223372036854775808\"]"), "above a long");
        assertThrows(NumberFormatException.class, () -> PostgresPositions.previousCommitLsn("[\"1x\"]"));
        assertThrows(NumberFormatException.class, () -> PostgresPositions.previousCommitLsn("[\"1\t\"]"), "a tab is not dropped, only spaces");
        assertThrows(NumberFormatException.class, () -> PostgresPositions.previousCommitLsn("[NULL]"), "null is lower case");
        assertThrows(NumberFormatException.class, () -> PostgresPositions.previousCommitLsn("[\"-\"]"));
    }

    /**
     * The scan gives what the regex it replaced gave ({@link #regexPreviousCommitLsn}) on random texts made of the
     * pieces that matter, the same value or the same exception, but for one: a text of commas alone once
     * its brackets, quotes and spaces are dropped (e.g. {@code "[,]"}) made the regex version fail on an empty
     * array, and is 0 now, as any other missing first element.
     */
    @Test
    void previousCommitLsnAgreesWithTheRegexItReplaced() {
        java.util.Random random = new java.util.Random(42);
        // pieces of Debezium's text, of a long's limits, and what Long.parseLong takes (a sign, other scripts' digits) or refuses
        List<String> pieces = List.of("[", "]", "\"", " ", ",", "null", "nul", "0", "1", "7", "42", "9223372036854775807",
                "922337203685477580", "8", "-", "+", "x", "\t", "\u0663");
        for (int i = 0; i < 100_000; i++) {
            StringBuilder text = new StringBuilder();
            for (int n = random.nextInt(12); n > 0; n--) {
                text.append(pieces.get(random.nextInt(pieces.size())));
            }
            String sequence = text.toString();
            Object expected;
            try {
                expected = regexPreviousCommitLsn(sequence);
            } catch (ArrayIndexOutOfBoundsException onlyCommas) {
                expected = 0L;
            } catch (NumberFormatException e) {
                expected = e.getMessage();
            }
            Object actual;
            try {
                actual = PostgresPositions.previousCommitLsn(sequence);
            } catch (NumberFormatException e) {
                actual = e.getMessage();
            }
            assertEquals(expected, actual, sequence);
        }
    }

    /** The implementation the scan replaced, kept here as the reference. */
    private static long regexPreviousCommitLsn(String sequence) {
        if (sequence == null) {
            return 0;
        }
        String first = sequence.replaceAll("[\\[\\]\" ]", "").split(",")[0];
        return first.isEmpty() || first.equals("null") ? 0 : Long.parseLong(first);
    }

    @Test
    void snapshotRowsCountFromOneAndAreOlderThanAnyChangeStreamedInTheirGeneration() {
        List<Position> rows = List.of(positions.snapshotRow(G), positions.snapshotRow(G), positions.snapshotRow(G));
        assertEquals(List.of(Position.of(G, 0, 0, 1), Position.of(G, 0, 0, 2), Position.of(G, 0, 0, 3)), rows);
        // the oldest a streamed change can be: no previous commit known, the lowest LSN
        Position firstStreamed = positions.change(G, null, 1);
        assertStrictlyGrowing(List.of(rows.get(2), firstStreamed));
    }

    @Test
    void aSnapshotInANewGenerationWinsOverEverythingOfTheOldOneEvenCountingFromOneAgain() {
        // a restart during the initial snapshot, a recreated slot or a deliberate re-snapshot: the rows are
        // read again, numbered from 1 again, and must still replace whatever the old generation left
        Position oldSnapshotRow = positions.snapshotRow(G);
        Position oldStreamed = positions.change(G, "[\"900\",\"950\"]", 950);
        PostgresPositions restarted = new PostgresPositions();
        Position newSnapshotRow = restarted.snapshotRow(G + 1);
        assertStrictlyGrowing(List.of(oldSnapshotRow, oldStreamed, newSnapshotRow));
        assertEquals(Position.of(G + 1, 0, 0, 1), newSnapshotRow);
    }

    /**
     * The rule for an incremental snapshot's chunk rows: the same as the initial snapshot's. Every change of
     * the table since its new generation began is streamed in it, so a chunk row (older than all of them)
     * decides only keys nobody changed since, and replaces the old generation's copy of those.
     */
    @Test
    void chunkRowsReplaceTheOldGenerationAndLoseToEveryChangeOfTheirOwn() {
        Position oldStreamed = positions.change(G, "[\"900\",\"950\"]", 950);
        Position changedSinceTheResnapshotBegan = positions.change(G + 1, "[\"960\",\"970\"]", 970);
        Position chunkRow = positions.snapshotRow(G + 1); // emitted after that change, wherever its window closed
        Position later = positions.change(G + 1, "[\"990\",\"20\"]", 20);
        assertStrictlyGrowing(List.of(oldStreamed, chunkRow, changedSinceTheResnapshotBegan, later));
    }

    @Test
    void snapshotRowsGrowInTheOrderTheyAreHandedOverAndARestartContinuesPastTheRecordedOnes() {
        List<Position> rows = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            rows.add(positions.snapshotRow(G));
        }
        assertStrictlyGrowing(rows);
        PostgresPositions restarted = new PostgresPositions();
        restarted.continueAfter(2 + 2048); // recorded: row 2; at most one batch more may have been sent
        Position resumed = restarted.snapshotRow(G);
        assertStrictlyGrowing(List.of(rows.get(2), resumed));
        assertEquals(Position.of(G, 0, 0, 2051), resumed);
    }

    @Test
    void nextReadsTheDebeziumSourceBlock() {
        Struct change = new Struct(SOURCE).put("lsn", 150L).put("sequence", "[\"100\",\"150\"]");
        Struct read = new Struct(SOURCE).put("lsn", 150L).put("sequence", "[\"100\",\"150\"]").put("snapshot", "true");
        Struct incremental = new Struct(SOURCE).put("lsn", 150L).put("sequence", "[\"100\",\"150\"]").put("snapshot", "incremental");
        Struct noLsn = new Struct(SOURCE);
        assertEquals(Position.of(G, 0, 0, 1), positions.next(G, Op.READ, read), "a snapshot read ignores the LSN");
        assertEquals(Position.of(G, 0, 0, 2), positions.next(G, Op.READ, incremental), "an incremental snapshot's row too");
        assertEquals(Position.of(G, 100, 150, 0), positions.next(G, Op.CREATE, change));
        assertEquals(Position.of(G, 100, 150, 1), positions.next(G, Op.UPDATE, change));
        assertEquals(Position.of(G, 0, 0, 0), positions.next(G, Op.DELETE, noLsn), "a missing LSN and sequence count as 0");
    }

    private static void assertStrictlyGrowing(List<Position> ps) {
        for (int i = 1; i < ps.size(); i++) {
            assertTrue(ps.get(i - 1).compareTo(ps.get(i)) < 0, ps.get(i - 1) + " is not older than " + ps.get(i) + " in " + ps);
        }
    }
}
