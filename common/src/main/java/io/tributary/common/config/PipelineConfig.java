package io.tributary.common.config;

import io.tributary.schemas.event.TableRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pipeline file, validated and sealed. Every deployable reads its part of the same file; see
 * {@code docs/pipeline-file.md} for each key. Built only by {@link PipelineConfigLoader}.
 */
public record PipelineConfig(Kafka kafka, Registry registry, List<Source> sources, List<Service> services,
                             Map<String, Integer> http, String httpBind, Path stateDir) {
    /** Every interface, as a container needs: {@code http.bind} narrows it (the demo binds loopback). */
    public static final String ALL_INTERFACES = "0.0.0.0";
    /**
     * {@code state.dir}: where a deployable keeps local state (the transform's Kafka Streams stores), relative to
     * the working directory. Not under {@code java.io.tmpdir}, which systemd-tmpfiles or a reboot empties while it runs.
     */
    public static final Path DEFAULT_STATE_DIR = Path.of("data");

    public PipelineConfig(Kafka kafka, Registry registry, List<Source> sources, List<Service> services, Map<String, Integer> http) {
        this(kafka, registry, sources, services, http, ALL_INTERFACES);
    }

    public PipelineConfig(Kafka kafka, Registry registry, List<Source> sources, List<Service> services, Map<String, Integer> http,
                          String httpBind) {
        this(kafka, registry, sources, services, http, httpBind, DEFAULT_STATE_DIR);
    }

    /**
     * {@code kafka:} — the cluster all topics live in. {@code partitions} is the partition count of the topics
     * Tributary creates, {@code topicPartitions} the count of named topics that differ from it (a service topic
     * takes its table topic's when not named itself; filled in when the file is read).
     */
    public record Kafka(String bootstrap, int replicationFactor, int partitions, Map<String, String> properties,
                        Map<String, Integer> topicPartitions) {
        public Kafka(String bootstrap, int replicationFactor, int partitions, Map<String, String> properties) {
            this(bootstrap, replicationFactor, partitions, properties, Map.of());
        }

        /** The partition count Tributary creates {@code topic} with. */
        public int partitions(String topic) {
            return topicPartitions.getOrDefault(topic, partitions);
        }
    }

    /**
     * {@code registry:} — a Confluent-compatible schema registry: where, with which credentials (basic
     * {@code user}/{@code password} or a bearer {@code token}; null when not set), which CAs to trust for HTTPS
     * ({@code truststore}, null: the JVM's), the compatibility level the deployables apply to the subjects
     * they register (null: none set, the registry's own level rules), and how long a reader retries a failing registry before it stops ({@code retryFor}).
     */
    public record Registry(String url, String compatibility, String user, Secret password, Secret token, Path truststore,
                           Secret truststorePassword, Duration retryFor) {
        public static final Duration DEFAULT_RETRY_FOR = Duration.ofMinutes(5);

        public Registry(String url, String compatibility) {
            this(url, compatibility, null, null, null, null, null, DEFAULT_RETRY_FOR);
        }

        /** A client with these settings; it applies {@code compatibility} to each subject it registers under. */
        public io.tributary.schemas.registry.SchemaRegistryClient client() {
            return new io.tributary.schemas.registry.SchemaRegistryClient(url, new io.tributary.schemas.registry.SchemaRegistryClient.Settings(
                    user, password == null ? null : password.value(), token == null ? null : token.value(), truststore,
                    truststorePassword == null ? null : truststorePassword.value(), compatibility));
        }
    }

    /** One entry of {@code sources:}; exactly one of {@code sqlite} and {@code postgres} is set. */
    public record Source(String name, Sqlite sqlite, Postgres postgres, List<TableRef> tables) {
        public boolean isSqlite() {
            return sqlite != null;
        }
    }

    /** @param walLimitMb past this WAL size the tailer lets SQLite restart the WAL (a brief quiet window) */
    public record Sqlite(Path path, Duration pollInterval, int walLimitMb) {
        public Sqlite(Path path, Duration pollInterval) {
            this(path, pollInterval, 32);
        }
    }

    /**
     * @param signalTable {@code schema.table} of the signal table capture-postgres writes its requests to
     *                    Debezium into (re-snapshots, tables added later); read back from the WAL in order
     * @param heartbeat   how often capture-postgres writes a heartbeat into the source's WAL and confirms what it
     *                    read, so that the slot releases WAL while the captured tables are idle; zero: never
     * @param refuseTruncate {@code schema.table} of the captured tables whose TRUNCATE the targets must not
     *                    follow: capture-postgres reports it (error log, dead letter, metric) instead of emptying them
     * @param snapshotWorkers threads (each with a connection to the source, all reading the same exported snapshot)
     *                    that read the initial snapshot, a large table split into key ranges among them; 1: one thread
     */
    public record Postgres(String url, String user, Secret password, String slot, String publication, String signalTable,
                           Duration heartbeat, List<String> refuseTruncate, int snapshotWorkers) {
        public static final String DEFAULT_SIGNAL_TABLE = "public.tributary_signals";
        public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);
        /**
         * Two: a second reader overlaps one's fetch round trips and the server's scan with the other's, for one
         * more source connection and backend while the initial snapshot runs; beyond that the capture's one
         * handler thread (conversion, Avro, the producer) caps the gain, and on a small machine the source and
         * Kafka need the cores (docs/performance.md). Being the default, the split path is the one every start
         * and every test runs.
         */
        public static final int DEFAULT_SNAPSHOT_WORKERS = 2;
        /** The most workers a source may be given: each holds a source connection through the whole snapshot. */
        public static final int MAX_SNAPSHOT_WORKERS = 64;

        public Postgres {
            refuseTruncate = List.copyOf(refuseTruncate);
        }

        public Postgres(String url, String user, Secret password, String slot, String publication, String signalTable,
                        Duration heartbeat, List<String> refuseTruncate) {
            this(url, user, password, slot, publication, signalTable, heartbeat, refuseTruncate, DEFAULT_SNAPSHOT_WORKERS);
        }

        public Postgres(String url, String user, Secret password, String slot, String publication, String signalTable, Duration heartbeat) {
            this(url, user, password, slot, publication, signalTable, heartbeat, List.of());
        }

        public Postgres(String url, String user, Secret password, String slot, String publication, String signalTable) {
            this(url, user, password, slot, publication, signalTable, DEFAULT_HEARTBEAT);
        }

        public Postgres(String url, String user, Secret password, String slot, String publication) {
            this(url, user, password, slot, publication, DEFAULT_SIGNAL_TABLE);
        }
    }

    /** One entry of {@code services:}: the tables it owns and the database they go to. */
    public record Service(String name, String group, Database target, List<TableRef> tables, Map<String, TableOptions> options,
                          Duration parkTimeout) {
        /** The options of target table {@code table} (its name in the target), or the defaults. */
        public TableOptions options(String table) {
            return options.getOrDefault(table, TableOptions.DEFAULT);
        }

        /** How the service maps an owned table, or empty: the source's shape, under the source table's name. */
        public Optional<TableMapping> mapping(TableRef table) {
            return options.values().stream().map(TableOptions::mapping)
                    .filter(m -> m != null && m.source().equals(table)).findFirst();
        }

        /** The target table (and service topic) name of an owned table: its mapping's {@code target-table}, else its own name. */
        public String targetTable(TableRef table) {
            return mapping(table).map(TableMapping::targetTable).orElse(table.table());
        }

        /** The service topic of an owned table, {@code <service>.<target table>}. */
        public String topic(TableRef table) {
            return io.tributary.schemas.kafka.Topics.perService(name, targetTable(table));
        }
    }

    /**
     * {@code services[].options.<table>}: how the sink applies one table, how the transform maps it
     * ({@code mapping}, null: not mapped), and how the sink converts columns into an existing target's declared
     * types ({@code convert}, by column). Kept by the target table's name; column names are the target's.
     * {@code sourceConstraints}: a table the sink creates gets the source's foreign keys, CHECK and UNIQUE
     * constraints once its snapshot is complete.
     */
    public record TableOptions(boolean softDelete, String lastWriteWinsColumn, Timescale timescale, TableMapping mapping,
                               Map<String, Convert> convert, boolean sourceConstraints) {
        public static final TableOptions DEFAULT = new TableOptions(false, null, null);

        public TableOptions(boolean softDelete, String lastWriteWinsColumn, Timescale timescale, TableMapping mapping) {
            this(softDelete, lastWriteWinsColumn, timescale, mapping, Map.of(), false);
        }

        public TableOptions(boolean softDelete, String lastWriteWinsColumn, Timescale timescale) {
            this(softDelete, lastWriteWinsColumn, timescale, null);
        }

        public TableOptions(boolean softDelete, String lastWriteWinsColumn) {
            this(softDelete, lastWriteWinsColumn, null);
        }

        /** What is declared for converting {@code column} into an existing target column ({@link Convert#NONE} when nothing is). */
        public Convert convert(String column) {
            return convert.getOrDefault(column, Convert.NONE);
        }
    }

    /**
     * {@code options.<table>.convert.<column>}: how the sink converts a column's values into the type an
     * existing (migration-owned) target column declares, where the conversion needs a decision (see
     * docs/sink.md). Null fields are not declared.
     *
     * @param timeZone the zone naive date-times mean (source naive text into timestamptz) or are written in
     *                 (a source instant into a naive timestamp column); an IANA name or UTC
     * @param round    {@code half-even} or {@code half-up}: a decimal with more fractional digits than the
     *                 target's numeric scale is rounded (else it is a dead letter)
     * @param epoch    {@code seconds}, {@code milliseconds} or {@code microseconds}: numbers into a timestamp column
     */
    public record Convert(String timeZone, String round, String epoch) {
        public static final Convert NONE = new Convert(null, null, null);
    }

    /**
     * {@code options.<table>.timescale}: make the target a TimescaleDB hypertable. Intervals are PostgreSQL
     * interval text ("1 month", "7 days"); null means "not declared". {@code orderBy} entries are a column
     * with an optional {@code ASC}/{@code DESC} ("time DESC"); empty lets TimescaleDB choose.
     * {@code compressEvery} is how often the compression policy runs (null: TimescaleDB's default).
     */
    public record Timescale(String timeColumn, String chunkInterval, boolean optional, List<String> segmentBy, List<String> orderBy,
                            String compressAfter, String compressEvery, String retention, List<Aggregate> aggregates) {
        public Timescale(String timeColumn, String chunkInterval, boolean optional, List<String> segmentBy, List<String> orderBy,
                         String compressAfter, String retention, List<Aggregate> aggregates) {
            this(timeColumn, chunkInterval, optional, segmentBy, orderBy, compressAfter, null, retention, aggregates);
        }

        public Timescale(String timeColumn, String chunkInterval, boolean optional, List<String> segmentBy,
                         String compressAfter, String retention, List<Aggregate> aggregates) {
            this(timeColumn, chunkInterval, optional, segmentBy, List.of(), compressAfter, null, retention, aggregates);
        }
    }

    /**
     * A continuous aggregate over a hypertable, or over another aggregate of the same table ({@code on}, a
     * hierarchical aggregate), refreshed by a TimescaleDB policy and, for history the policy's window does
     * not reach, by the sink. {@code bucketColumn} names the {@code time_bucket} column; {@code realTime}
     * makes queries add the rows not yet materialised ({@code timescaledb.materialized_only = false}).
     */
    public record Aggregate(String name, String bucket, String bucketColumn, String on, List<String> groupBy, List<String> columns,
                            boolean realTime, String refreshStart, String refreshEnd, String refreshEvery) {
        public Aggregate(String name, String bucket, List<String> groupBy, List<String> columns,
                         String refreshStart, String refreshEnd, String refreshEvery) {
            this(name, bucket, "bucket", null, groupBy, columns, false, refreshStart, refreshEnd, refreshEvery);
        }
    }

    public record Database(String url, String user, Secret password) {
    }

    public Optional<Source> source(String name) {
        return sources.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<Service> service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The port a deployable serves metrics and health on; 0 picks a free one. */
    public int httpPort(String deployable) {
        return http.getOrDefault(deployable, 0);
    }
}
