package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

class PostgresPositionsTest {
    /** The two fields of Debezium's PostgreSQL {@code source} block that positions are made of. */
    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("sequence", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    private final PostgresPositions positions = new PostgresPositions();

    @Test
    void changesOfOneTransactionGrowWithTheirLsn() {
        List<Position> tx = List.of(
                positions.change("[\"100\",\"150\"]", 150),
                positions.change("[\"100\",\"160\"]", 160),
                positions.change("[\"100\",\"170\"]", 170));
        assertEquals(List.of(Position.of(0, 100, 150, 0), Position.of(0, 100, 160, 0), Position.of(0, 100, 170, 0)), tx);
        assertStrictlyGrowing(tx);
    }

    @Test
    void aLaterTransactionIsNewerEvenWhenItsChangesHaveLowerLsns() {
        // Transactions reach pgoutput in commit order, but a transaction that commits later may have written
        // its changes earlier in the WAL: the previous commit LSN, compared first, still orders them.
        Position firstTx = positions.change("[\"100\",\"160\"]", 160);
        Position secondTx = positions.change("[\"180\",\"155\"]", 155);
        Position thirdTx = positions.change("[\"190\",\"195\"]", 195);
        assertStrictlyGrowing(List.of(firstTx, secondTx, thirdTx));
        assertEquals(Position.of(0, 180, 155, 0), secondTx);
    }

    @Test
    void changesAtTheSameLsnGetGrowingOrdinals() {
        List<Position> same = List.of(
                positions.change("[\"100\",\"200\"]", 200),
                positions.change("[\"100\",\"200\"]", 200),
                positions.change("[\"100\",\"200\"]", 200));
        assertEquals(List.of(0L, 1L, 2L), same.stream().map(p -> p.parts()[3]).toList());
        assertStrictlyGrowing(same);
        assertEquals(Position.of(0, 100, 210, 0), positions.change("[\"100\",\"210\"]", 210), "a new LSN starts at ordinal 0");
        assertEquals(Position.of(0, 300, 210, 0), positions.change("[\"300\",\"210\"]", 210),
                "the same LSN under another previous commit is another change: ordinal 0");
    }

    @Test
    void previousCommitLsnIsTheFirstElementOfTheSequenceOrZero() {
        assertEquals(0, PostgresPositions.previousCommitLsn(null));
        assertEquals(0, PostgresPositions.previousCommitLsn("[null,\"123\"]"));
        assertEquals(0, PostgresPositions.previousCommitLsn("[]"));
        assertEquals(100, PostgresPositions.previousCommitLsn("[\"100\",\"123\"]"));
        assertEquals(100, PostgresPositions.previousCommitLsn("[\"100\", \"123\"]"));
        assertEquals(Position.of(0, 0, 123, 0), positions.change("[null,\"123\"]", 123));
        assertEquals(Position.of(0, 0, 124, 0), positions.change(null, 124));
    }

    @Test
    void snapshotRowsCountFromOneAndAreOlderThanAnyStreamedChange() {
        List<Position> rows = List.of(positions.snapshotRow(), positions.snapshotRow(), positions.snapshotRow());
        assertEquals(List.of(Position.of(0, 0, 0, 1), Position.of(0, 0, 0, 2), Position.of(0, 0, 0, 3)), rows);
        // the oldest a streamed change can be: no previous commit known, the lowest LSN
        Position firstStreamed = positions.change(null, 1);
        assertStrictlyGrowing(List.of(rows.get(2), firstStreamed));
    }

    @Test
    void nextReadsTheDebeziumSourceBlock() {
        Struct change = new Struct(SOURCE).put("lsn", 150L).put("sequence", "[\"100\",\"150\"]");
        Struct noLsn = new Struct(SOURCE);
        assertEquals(Position.of(0, 0, 0, 1), positions.next(Op.READ, change), "a snapshot read ignores the LSN");
        assertEquals(Position.of(0, 100, 150, 0), positions.next(Op.CREATE, change));
        assertEquals(Position.of(0, 100, 150, 1), positions.next(Op.UPDATE, change));
        assertEquals(Position.of(0, 0, 0, 0), positions.next(Op.DELETE, noLsn), "a missing LSN and sequence count as 0");
    }

    private static void assertStrictlyGrowing(List<Position> ps) {
        for (int i = 1; i < ps.size(); i++) {
            assertTrue(ps.get(i - 1).compareTo(ps.get(i)) < 0, ps.get(i - 1) + " is not older than " + ps.get(i) + " in " + ps);
        }
    }
}
