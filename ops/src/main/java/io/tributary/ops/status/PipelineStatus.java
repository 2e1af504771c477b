package io.tributary.ops.status;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Identifiers;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.schemas.event.TableRef;
import io.tributary.schemas.kafka.ChangeEventReader;
import io.tributary.schemas.kafka.Topics;
import io.tributary.schemas.registry.AvroSerde;
import io.tributary.schemas.registry.SchemaRegistryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;

/**
 * Collects a {@link StatusReport} from the outside, the way an operator would look: each deployable's
 * health endpoint, Kafka (topic ends, the transform's and the sink's committed offsets, the newest event of
 * each table), the source databases (slot WAL, SQLite WAL file) and the target databases (parked and
 * quarantined events). Nothing here depends on a deployable reporting about itself, so a hung or dead
 * stage shows as stuck or failed.
 */
final class PipelineStatus {
    private final PipelineConfig config;
    private final String host;
    private final Duration stuckAfter;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    PipelineStatus(PipelineConfig config, String host, Duration stuckAfter) {
        this.config = config;
        this.host = host;
        this.stuckAfter = stuckAfter;
    }

    StatusReport collect() throws Exception {
        long now = System.currentTimeMillis();
        List<StatusReport.Deployable> deployables = deployables();
        List<StatusReport.Source> sources = new ArrayList<>();
        List<StatusReport.Table> tables = new ArrayList<>();
        List<StatusReport.Service> services = new ArrayList<>();
        SchemaRegistryClient registry = config.registry().client();
        try (TopicProbe kafka = new TopicProbe(config, new ChangeEventReader(registry))) {
            AvroSerde markerValues = new AvroSerde(registry, false);
            Map<String, Map<String, Long>> generations = new java.util.HashMap<>();
            for (PipelineConfig.Source src : config.sources()) {
                generations.put(src.name(), kafka.generations(Topics.generations(src.name()), markerValues));
                sources.add(source(src, records(kafka, Topics.deadLetters("capture", src.name()))));
            }
            for (PipelineConfig.Service s : config.services()) {
                for (TableRef t : s.tables()) {
                    tables.add(table(kafka, s, t, deployables, generations.getOrDefault(t.source(), Map.of()), now));
                }
                services.add(new StatusReport.Service(s.name(), records(kafka, Topics.deadLetters("transform", s.name())),
                        records(kafka, Topics.deadLetters("sink", s.name()))));
            }
        }
        boolean healthy = deployables.stream().noneMatch(PipelineStatus::isDown)
                && tables.stream().noneMatch(t -> t.state().equals("stuck") || t.state().equals("failed"));
        return new StatusReport(now, healthy, deployables, sources, tables, services);
    }

    /** The deployables this pipeline file runs, each by its health endpoint. */
    private List<StatusReport.Deployable> deployables() {
        List<String> names = new ArrayList<>();
        if (config.sources().stream().anyMatch(s -> !s.isSqlite())) {
            names.add("capture-postgres");
        }
        if (config.sources().stream().anyMatch(PipelineConfig.Source::isSqlite)) {
            names.add("capture-sqlite");
        }
        names.add("transform");
        names.add("sink");
        return names.stream().map(n -> {
            if (config.httpPort(n) == 0) {
                return new StatusReport.Deployable(n, null, "unknown"); // a free port: set http.<deployable> to watch it
            }
            String url = "http://" + host + ":" + config.httpPort(n);
            return new StatusReport.Deployable(n, url, health(url + "/health/live"));
        }).toList();
    }

    private static boolean isDown(StatusReport.Deployable d) {
        return d.state().equals("down") || d.state().equals("failed");
    }

    private String health(String url) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200 ? "up" : "failed";
        } catch (java.io.IOException e) {
            return "down";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "down";
        }
    }

    private StatusReport.Table table(TopicProbe kafka, PipelineConfig.Service s, TableRef t, List<StatusReport.Deployable> deployables,
                                     Map<String, Long> generations, long now) throws Exception {
        String captureTopic = Topics.perTable(t);
        StatusReport.Stage transform = stage(kafka, captureTopic, io.tributary.transform.TransformApp.group(s.name()), now);
        StatusReport.Stage sink = stage(kafka, s.topic(t), s.group(), now);
        Optional<TopicProbe.Timed> last = newest(kafka, captureTopic);
        String capture = config.source(t.source()).map(src -> src.isSqlite() ? "capture-sqlite" : "capture-postgres").orElse("?");
        boolean down = deployables.stream().anyMatch(d -> isDown(d) && List.of(capture, "transform", "sink").contains(d.name()));
        String state;
        if (down) {
            state = "failed";
        } else if (transform.lagSeconds() > stuckAfter.toSeconds() || sink.lagSeconds() > stuckAfter.toSeconds()) {
            state = "stuck";
        } else if (last.isEmpty()) {
            state = "waiting";
        } else {
            state = snapshotting(last.get().event(), generations.get(t.table())) ? "snapshotting" : "streaming";
        }
        long[] parked = parkedAndQuarantined(s, s.targetTable(t));
        return new StatusReport.Table(captureTopic, s.name(), state, last.map(e -> e.event().position().toString()).orElse(null),
                last.map(e -> (now - e.writtenMs()) / 1000.0).orElse(null), transform, sink,
                parked == null ? null : parked[0], parked == null ? null : parked[1]);
    }

    /**
     * Whether the table's snapshot is still being written: its newest event is a snapshot row, not the last
     * one (Debezium marks it "last..."), and no generation marker closed that snapshot (capture-sqlite
     * writes one per table when its snapshot is complete).
     */
    private static boolean snapshotting(io.tributary.schemas.event.ChangeEvent newest, Long closedGeneration) {
        if (!newest.isSnapshot() || newest.snapshot().startsWith("last")) {
            return false;
        }
        return closedGeneration == null || closedGeneration < newest.position().parts()[0];
    }

    /** A consuming stage on one topic: records after its committed offsets, and the age of the oldest of them. */
    private static StatusReport.Stage stage(TopicProbe kafka, String topic, String group, long now) throws Exception {
        TopicProbe.Backlog b = kafka.backlog(topic, group, now);
        return new StatusReport.Stage(topic, b.records(), b.ageSeconds());
    }

    private static Optional<TopicProbe.Timed> newest(TopicProbe kafka, String topic) {
        Optional<TopicProbe.Timed> best = Optional.empty();
        List<TopicPartition> tps = kafka.partitions(topic);
        Map<TopicPartition, Long> ends = kafka.ends(tps);
        Map<TopicPartition, Long> begins = kafka.beginnings(tps);
        for (TopicPartition tp : tps) {
            Optional<TopicProbe.Timed> e = kafka.lastEvent(tp, begins.get(tp), ends.get(tp));
            if (e.isPresent() && (best.isEmpty() || e.get().writtenMs() > best.get().writtenMs())) {
                best = e;
            }
        }
        return best;
    }

    private static long records(TopicProbe kafka, String topic) {
        List<TopicPartition> tps = kafka.partitions(topic);
        Map<TopicPartition, Long> ends = kafka.ends(tps);
        Map<TopicPartition, Long> begins = kafka.beginnings(tps);
        return tps.stream().mapToLong(tp -> ends.get(tp) - begins.get(tp)).sum();
    }

    /** A source's state: WAL held (slot or WAL file) and the rows its capture dead-lettered ({@code deadLetters}). */
    private StatusReport.Source source(PipelineConfig.Source s, long deadLetters) {
        if (s.isSqlite()) {
            Path wal = Path.of(s.sqlite().path() + "-wal");
            try {
                return new StatusReport.Source(s.name(), "sqlite", null, Files.exists(wal) ? Files.size(wal) : 0L, null, deadLetters);
            } catch (java.io.IOException e) {
                return new StatusReport.Source(s.name(), "sqlite", null, null, "cannot read " + wal + ": " + e.getMessage(), deadLetters);
            }
        }
        PipelineConfig.Postgres pg = s.postgres();
        try (Connection c = Preflight.connect(pg.url(), pg.user(), pg.password());
             PreparedStatement ps = c.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint "
                     + "FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, pg.slot());
            try (ResultSet rs = ps.executeQuery()) {
                return new StatusReport.Source(s.name(), "postgresql", rs.next() ? rs.getLong(1) : null, null, null, deadLetters);
            }
        } catch (SQLException e) {
            return new StatusReport.Source(s.name(), "postgresql", null, null, "cannot read the replication slot: " + e.getMessage(), deadLetters);
        }
    }

    /** Parked and quarantined events of a target table, or null when the target cannot be read. */
    private static long[] parkedAndQuarantined(PipelineConfig.Service s, String table) {
        try (Connection c = Preflight.connect(s.target().url(), s.target().user(), s.target().password())) {
            return new long[] {count(c, Bookkeeping.PARKED, table), count(c, Bookkeeping.QUARANTINE, table)};
        } catch (SQLException e) {
            return null;
        }
    }

    private static long count(Connection c, String sideTable, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, Identifiers.quote(sideTable));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return 0;
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + Identifiers.quote(sideTable) + " WHERE table_name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
