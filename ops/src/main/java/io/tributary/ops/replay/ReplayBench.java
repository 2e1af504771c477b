package io.tributary.ops.replay;

import io.tributary.common.sql.Bookkeeping;
import io.tributary.ops.reconcile.ReconcileBench;
import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Envelope;
import io.tributary.schemas.event.EnvelopeEncoder;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.Position;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.event.TableSchema;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Data for measuring replay ({@code bin/tributary bench replay}) and for its test: a service topic holding the
 * snapshot of {@link ReconcileBench}'s {@code experiment_metrics} rows as the transform writes it (normalised
 * envelopes, in Kafka transactions of 10,000 records as the transform's exactly-once commits leave them), and
 * raw {@code COPY} of the same rows, the floor to compare the replay's rows per second with.
 */
public final class ReplayBench {
    /** The table's shape on the service topic: SQLite's DATETIME already a TIMESTAMPTZ, the rowid the key. */
    public static TableSchema schema(String source) {
        return new TableSchema(new TableRef(source, "main", ReconcileBench.TABLE), List.of(
                new Column(TableSchema.ROWID_COLUMN, ColumnType.INT64, "rowid", false),
                new Column("time", ColumnType.TIMESTAMPTZ, "DATETIME", false),
                new Column("experiment_id", ColumnType.INT64, "INTEGER", true),
                new Column("metric_name", ColumnType.TEXT, "TEXT", false),
                new Column("metric_value", ColumnType.FLOAT64, "REAL", false),
                new Column("step", ColumnType.INT64, "INTEGER", true),
                new Column("epoch", ColumnType.INT64, "INTEGER", true)), List.of(TableSchema.ROWID_COLUMN));
    }

    private static final int TRANSACTION = 10_000;

    private ReplayBench() {
    }

    /** Writes rows 1..N as snapshot events of {@code source}'s table to {@code service}'s topic of it. */
    public static void produce(String bootstrap, String registryUrl, String source, String service, long rows) {
        TableSchema schema = schema(source);
        String topic = Topics.perService(service, ReconcileBench.TABLE);
        SchemaRegistryClient registry = new SchemaRegistryClient(registryUrl);
        int keyId = registry.register(topic + "-key", Envelope.keySchema(schema));
        int valueId = registry.register(topic + "-value", Envelope.valueSchema(schema));
        EnvelopeEncoder encoder = new EnvelopeEncoder();
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "transactional.id", "tributary-bench-" + topic,
                "compression.type", "lz4", "linger.ms", 5, "batch.size", 256 * 1024));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            for (long first = 1; first <= rows; first += TRANSACTION) {
                producer.beginTransaction();
                for (long i = first; i < Math.min(rows + 1, first + TRANSACTION); i++) {
                    ChangeEvent e = new ChangeEvent(schema, Op.READ, null, ReconcileBench.contractRow(i), Position.of(1, 0, 0, i),
                            1_738_368_000_000L, "true", "sqlite", "bench", null, null);
                    producer.send(new ProducerRecord<>(topic, encoder.key(e, keyId), encoder.value(e, valueId)));
                }
                producer.commitTransaction();
            }
        }
    }

    /** Seconds raw {@code COPY} takes to load the same N rows into a fresh table of the target's shape at {@code url}. */
    public static double copySeconds(String url, long rows) throws SQLException, java.io.IOException {
        long t0 = System.nanoTime();
        ReconcileBench.postgresTable(url, rows, TableSchema.ROWID_COLUMN, true);
        double seconds = (System.nanoTime() - t0) / 1e9;
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("DROP TABLE " + ReconcileBench.TABLE); // the replay creates its own
            s.execute("DROP TABLE IF EXISTS " + Bookkeeping.deletesTable(ReconcileBench.TABLE));
        }
        return seconds;
    }
}
