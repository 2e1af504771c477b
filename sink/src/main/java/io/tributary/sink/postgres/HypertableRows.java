package io.tributary.sink.postgres;

import io.tributary.common.config.PipelineConfig;
import io.tributary.common.sql.Bookkeeping;
import io.tributary.common.sql.Identifiers;
import io.tributary.schemas.event.Column;
import io.tributary.schemas.event.ColumnType;
import io.tributary.schemas.event.Op;
import io.tributary.schemas.event.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the rows of one hypertable are in time, so that writing them touches only the chunks they live in.
 * Every event carries its row's time: an insert, a snapshot row or an update that keeps its time is one
 * upsert into that time's chunk (TimescaleDB checks a compressed chunk's batches for the key through their
 * bloom filters and min/max metadata, and decompresses only a batch that holds it). Only an update whose
 * time changed has an older version elsewhere: it is removed at the time the before-image names (and at
 * every other time the key had in the same batch, since the batch writes only the newest event per key),
 * bounded to those times' chunks; deletes likewise. Statements are bounded by literal time ranges per
 * chunk-sized group, and the connection plans every statement with its values
 * ({@code plan_cache_mode = force_custom_plan}): a generic plan cannot exclude chunks or spare compressed
 * batches.
 *
 * <p>Not guaranteed: where the source sends no before-image with the time (PostgreSQL without
 * {@code REPLICA IDENTITY FULL}, and the time column outside the primary key), an update or delete must look
 * for the key in every chunk, decompressing what it must; that is logged once per table.
 */
final class HypertableRows {
    private static final Logger log = LoggerFactory.getLogger(HypertableRows.class);
    private final TableSchema schema;
    private final Column time;
    private final boolean timeInKey;
    private final long chunkMicros;
    /**
     * Rows older than now minus this are history: outside a refresh policy's window, or old enough to be
     * compressed; null without aggregates and compression.
     */
    private final Long windowMicros;
    private final String table;
    private long spanFrom = Long.MAX_VALUE;
    private long spanTo = Long.MIN_VALUE;
    private boolean warnedUnknown;

    /** Times the target may hold an older version of each key at, and the keys whose older times are unknown. */
    record Prior(Map<List<Object>, Set<Long>> times, Set<List<Object>> unknown) {
        static final Prior NONE = new Prior(Map.of(), Set.of());
    }

    HypertableRows(TableSchema schema, Column time, long chunkMicros, Long windowMicros) {
        this.schema = schema;
        this.time = time;
        this.timeInKey = schema.primaryKey().contains(time.name());
        this.chunkMicros = chunkMicros;
        this.windowMicros = windowMicros;
        this.table = Identifiers.quote(schema.table().table());
    }

    static HypertableRows of(Connection c, TableSchema schema, PipelineConfig.Timescale ts) throws SQLException {
        Column time = schema.column(ts.timeColumn()).orElseThrow(() -> new TargetSchemaException(schema.table().table(),
                List.of("the declared time-column " + ts.timeColumn() + " is not a column of the source table")));
        List<String> starts = new ArrayList<>(ts.aggregates().stream().map(PipelineConfig.Aggregate::refreshStart).toList());
        if (ts.compressAfter() != null) {
            starts.add(ts.compressAfter());
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT (extract(epoch FROM ?::interval) * 1e6)::int8, "
                + "(SELECT (extract(epoch FROM min(s::interval)) * 1e6)::int8 FROM unnest(?::text[]) AS s)")) {
            ps.setString(1, ts.chunkInterval());
            ps.setArray(2, c.createArrayOf("text", starts.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long window = rs.getLong(2);
                return new HypertableRows(schema, time, rs.getLong(1), rs.wasNull() ? null : window);
            }
        }
    }

    Column timeColumn() {
        return time;
    }

    /**
     * The time, as literal text, at which the row {@code e} updates already is when the batch did not move
     * it in time; null when it may be elsewhere.
     */
    String unmovedAt(SinkEvent e, Prior prior) {
        Long now = micros(e.after());
        if (now == null || prior.unknown().contains(e.keyValues()) || !Set.of(now).containsAll(prior.times().getOrDefault(e.keyValues(), Set.of()))) {
            return null;
        }
        return text(now);
    }

    /** A row image's time in microseconds since the epoch (UTC for a timestamp without zone), or null. */
    Long micros(Map<String, Object> image) {
        Object v = image == null ? null : image.get(time.name());
        if (v == null) {
            return null;
        }
        long n = ((Number) v).longValue();
        return time.type() == ColumnType.DATE ? n * 86_400_000_000L : n;
    }

    /** From every event of a batch for this table, before only the newest per key is kept. */
    Prior prior(List<SinkEvent> events) {
        Map<List<Object>, Set<Long>> times = new HashMap<>();
        Set<List<Object>> unknown = new HashSet<>();
        for (SinkEvent e : events) {
            List<Object> key = e.keyValues();
            Long before = micros(e.before());
            Long after = micros(e.after());
            if (before == null && !timeInKey && (e.op() == Op.UPDATE || e.op() == Op.DELETE)) {
                unknown.add(key);
            }
            for (Long t : new Long[] {before, after, timeInKey ? micros(e.event().keyImage()) : null}) {
                if (t != null) {
                    times.computeIfAbsent(key, k -> new HashSet<>()).add(t);
                }
            }
        }
        return new Prior(times, unknown);
    }

    /**
     * Removes the versions of updated rows left at other times (the row moved in time), guarded by position;
     * inserts and updates that keep their time touch nothing here.
     */
    void removeMoved(Connection c, List<SinkEvent> upserts, Prior prior) throws SQLException {
        if (timeInKey) {
            return; // a key holds one time for ever: a changed time is a new key, the source deletes the old one
        }
        List<Timed> versions = new ArrayList<>();
        List<SinkEvent> searchAll = new ArrayList<>();
        for (SinkEvent e : upserts) {
            Long now = micros(e.after());
            if (prior.unknown().contains(e.keyValues())) {
                searchAll.add(e);
                continue;
            }
            for (Long t : prior.times().getOrDefault(e.keyValues(), Set.of())) {
                if (!t.equals(now)) {
                    versions.add(new Timed(e, t));
                }
            }
        }
        String head = "DELETE FROM " + table + " AS t USING %s WHERE %s";
        deleteAt(c, versions, head);
        searchAll(c, searchAll, head, " AND t." + Identifiers.quote(time.name()) + " <> s._t", true);
    }

    /** Applies deletes (or, soft, flags rows) at the times the rows can be at; guarded by position. */
    void delete(Connection c, List<SinkEvent> deletes, Prior prior, String softSet) throws SQLException {
        String head = softSet == null ? "DELETE FROM " + table + " AS t USING %s WHERE %s"
                : "UPDATE " + table + " AS t SET " + softSet + " FROM %s WHERE %s";
        List<Timed> at = new ArrayList<>();
        List<SinkEvent> searchAll = new ArrayList<>();
        for (SinkEvent e : deletes) {
            Set<Long> times = prior.times().getOrDefault(e.keyValues(), Set.of());
            if (prior.unknown().contains(e.keyValues()) || times.isEmpty()) {
                searchAll.add(e);
            } else {
                times.forEach(t -> at.add(new Timed(e, t)));
            }
        }
        deleteAt(c, at, head);
        searchAll(c, searchAll, head, "", false);
    }

    /** Row versions at their exact times, one statement per chunk-sized group, each bounded by its group's times. */
    private void deleteAt(Connection c, List<Timed> versions, String head) throws SQLException {
        Map<Long, List<Timed>> groups = new TreeMap<>();
        for (Timed v : versions) {
            groups.computeIfAbsent(Math.floorDiv(v.micros(), chunkMicros), g -> new ArrayList<>()).add(v);
        }
        String t = "t." + Identifiers.quote(time.name());
        for (List<Timed> g : groups.values()) {
            long lo = g.stream().mapToLong(Timed::micros).min().orElseThrow();
            long hi = g.stream().mapToLong(Timed::micros).max().orElseThrow();
            String sql = String.format(head, unnest(), keyMatch() + " AND " + t + " = s._t AND t." + Bookkeeping.POSITION + " < " + POS)
                    + " AND " + t + " BETWEEN ?::" + PgTypes.sqlType(time) + " AND ?::" + PgTypes.sqlType(time);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = bind(c, ps, g);
                ps.setString(i, text(lo));
                ps.setString(i + 1, text(hi));
                ps.executeUpdate();
            }
            note(lo);
            note(hi);
        }
    }

    /**
     * The fallback where the older times are unknown: matches by key in every chunk ({@code extra} narrows
     * it, {@code s._t} is the new time when {@code afterTime}); notes the times of the rows it changed.
     */
    private void searchAll(Connection c, List<SinkEvent> events, String head, String extra, boolean afterTime) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        warnUnknown();
        List<Timed> rows = events.stream().map(e -> new Timed(e, afterTime ? micros(e.after()) : null)).toList();
        String sql = String.format(head, unnest(), keyMatch() + " AND t." + Bookkeeping.POSITION + " < " + POS + extra)
                + " RETURNING (extract(epoch FROM t." + Identifiers.quote(time.name()) + ") * 1e6)::int8";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(c, ps, rows);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    note(rs.getLong(1));
                }
            }
        }
    }

    /**
     * The span of row times written since the last call, when part of it is history (outside a refresh
     * policy's window, or compressible): the sink owes it a refresh, and its compression waits until such
     * writes settle; null otherwise.
     */
    Instant[] takeHistorySpan() {
        Instant[] out = null;
        long cutoff = windowMicros == null ? Long.MIN_VALUE : ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()) - windowMicros;
        if (spanFrom <= spanTo && spanFrom < cutoff) {
            out = new Instant[] {Instant.EPOCH.plus(spanFrom, ChronoUnit.MICROS), Instant.EPOCH.plus(spanTo, ChronoUnit.MICROS)};
        }
        spanFrom = Long.MAX_VALUE;
        spanTo = Long.MIN_VALUE;
        return out;
    }

    /** Records the time of a row written by the upsert itself. */
    void note(Long micros) {
        if (micros != null) {
            spanFrom = Math.min(spanFrom, micros);
            spanTo = Math.max(spanTo, micros);
        }
    }

    private void warnUnknown() {
        if (!warnedUnknown) {
            warnedUnknown = true;
            log.warn("table={}: updates or deletes arrive without the row's previous {} (no before-image), so they search every chunk "
                    + "of the hypertable; on a PostgreSQL source set ALTER TABLE ... REPLICA IDENTITY FULL", schema.table().table(), time.name());
        }
    }

    private record Timed(SinkEvent event, Long micros) {
    }

    private static final String POS = "ARRAY[s._p0, s._p1, s._p2, s._p3]";

    private List<Column> keys() {
        return schema.primaryKey().stream().map(k -> schema.column(k).orElseThrow()).toList();
    }

    private String keyMatch() {
        return schema.primaryKey().stream().map(k -> "t." + Identifiers.quote(k) + " = s." + Identifiers.quote(k)).collect(Collectors.joining(" AND "));
    }

    /** {@code unnest(keys..., times, positions) AS s(keys..., _t, _p0.._p3)}. */
    private String unnest() {
        List<Column> cols = new ArrayList<>(keys());
        String params = cols.stream().map(c -> "?::" + TableWriter.arrayType(c) + "[]" + PgTypes.arrayCast(c)).collect(Collectors.joining(", "));
        String alias = cols.stream().map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "));
        return "unnest(" + params + ", ?::text[]::" + PgTypes.sqlType(time) + "[], ?::int8[], ?::int8[], ?::int8[], ?::int8[]) AS s(" + alias
                + ", _t, _p0, _p1, _p2, _p3)";
    }

    private int bind(Connection c, PreparedStatement ps, List<Timed> rows) throws SQLException {
        int i = 1;
        for (Column col : keys()) {
            Object[] values = TableWriter.newArray(col, rows.size());
            for (int r = 0; r < rows.size(); r++) {
                values[r] = TableWriter.element(col, rows.get(r).event().event().keyImage().get(col.name()));
            }
            ps.setArray(i++, c.createArrayOf(TableWriter.arrayType(col), values));
        }
        ps.setArray(i++, c.createArrayOf("text", rows.stream().map(r -> r.micros() == null ? null : text(r.micros())).toArray()));
        for (int p = 0; p < 4; p++) {
            Long[] part = new Long[rows.size()];
            for (int r = 0; r < rows.size(); r++) {
                part[r] = rows.get(r).event().position().parts()[p];
            }
            ps.setArray(i++, c.createArrayOf("int8", part));
        }
        return i;
    }

    /** A time as the literal text of the column's type. */
    private String text(long micros) {
        Object v = time.type() == ColumnType.DATE ? (Object) Math.floorDiv(micros, 86_400_000_000L) : (Object) micros;
        return TableWriter.element(time, v).toString();
    }
}
