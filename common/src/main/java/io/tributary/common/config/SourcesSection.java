package io.tributary.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.schemas.event.TableRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code sources:} part of the pipeline file: each source's name (unique, it prefixes the topics),
 * exactly one of {@code sqlite:} and {@code postgres:}, and the tables it captures. A problem in one source
 * does not stop the others from being read; a source is still returned with what could be read of it.
 */
final class SourcesSection {
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

    private final ConfigReader r;

    SourcesSection(ConfigReader r) {
        this.r = r;
    }

    List<PipelineConfig.Source> read(JsonNode list) {
        List<PipelineConfig.Source> out = new ArrayList<>();
        if (!list.isArray() || list.isEmpty()) {
            r.problem("sources", "missing or empty", "list at least one source with a name, sqlite: or postgres:, and tables:");
            return out;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode n = list.get(i);
            String at = "sources[" + i + "]";
            String name = r.required(n, at, "name", "a short lower-case name; it prefixes the topics");
            if (name != null) {
                at = "sources[" + name + "]";
                if (!ConfigReader.NAME.matcher(name).matches()) {
                    r.problem(at + ".name", "'" + name + "' is not a valid name", "use lower-case letters, digits, '-' and '_', starting with a letter");
                } else if (!names.add(name)) {
                    r.problem(at + ".name", "two sources are named '" + name + "'", "give each source its own name");
                }
            }
            r.known(n, at, "name", "sqlite", "postgres", "tables");
            boolean hasSqlite = n.has("sqlite");
            boolean hasPg = n.has("postgres");
            if (hasSqlite == hasPg) {
                r.problem(at, hasSqlite ? "has both sqlite: and postgres:" : "has neither sqlite: nor postgres:", "give each source exactly one of them");
            }
            PipelineConfig.Sqlite sqlite = hasSqlite ? sqlite(n.get("sqlite"), at + ".sqlite") : null;
            PipelineConfig.Postgres pg = hasPg ? postgres(n.get("postgres"), at + ".postgres", name) : null;
            out.add(new PipelineConfig.Source(name, sqlite, pg, tables(n.path("tables"), at, name, hasSqlite)));
        }
        return out;
    }

    private PipelineConfig.Sqlite sqlite(JsonNode n, String at) {
        r.known(n, at, "path", "poll-interval", "wal-limit-mb");
        String path = r.required(n, at, "path", "the path of the application's SQLite database file");
        Duration poll = r.duration(n, at, "poll-interval", Duration.ofMillis(100));
        int walLimit = r.integer(n, at, "wal-limit-mb", 32, 1, 1 << 20);
        return new PipelineConfig.Sqlite(path == null ? null : Path.of(path), poll, walLimit);
    }

    /** Slot and publication default to {@code tributary_<source>} ('-' made '_', which slot names cannot hold). */
    private PipelineConfig.Postgres postgres(JsonNode n, String at, String sourceName) {
        r.known(n, at, "url", "user", "password", "slot", "publication", "signal-table", "heartbeat-interval", "refuse-truncate",
                "snapshot-workers");
        String url = r.required(n, at, "url", "jdbc:postgresql://host:5432/database");
        if (url != null && !url.startsWith("jdbc:postgresql://")) {
            r.problem(at + ".url", "'" + url + "' is not a PostgreSQL JDBC URL", "write jdbc:postgresql://host:5432/database");
        }
        String user = r.required(n, at, "user", "a role with REPLICATION and SELECT on the tables");
        String password = r.optional(n, at, "password", "");
        String base = sourceName == null ? "tributary" : "tributary_" + sourceName.replace('-', '_');
        String slot = r.optional(n, at, "slot", base);
        if (!slot.matches("[a-z0-9_]{1,63}")) {
            r.problem(at + ".slot", "'" + slot + "' is not a valid replication slot name", "use lower-case letters, digits and '_', at most 63");
        }
        String signals = r.optional(n, at, "signal-table", PipelineConfig.Postgres.DEFAULT_SIGNAL_TABLE);
        if (!signals.matches("[A-Za-z_][A-Za-z0-9_$]*\\.[A-Za-z_][A-Za-z0-9_$]*")) {
            r.problem(at + ".signal-table", "'" + signals + "' is not schema.table", "name a table as schema.table, e.g. "
                    + PipelineConfig.Postgres.DEFAULT_SIGNAL_TABLE);
        }
        Duration heartbeat = r.duration(n, at, "heartbeat-interval", PipelineConfig.Postgres.DEFAULT_HEARTBEAT);
        if (heartbeat.isNegative()) {
            r.problem(at + ".heartbeat-interval", "'" + heartbeat + "' is negative", "write e.g. 10s, or 0s to turn heartbeats off");
        }
        List<String> refuseTruncate = new ArrayList<>();
        JsonNode refused = n.path("refuse-truncate");
        if (!refused.isMissingNode() && !refused.isArray()) {
            r.problem(at + ".refuse-truncate", "is not a list", "list schema.table names, e.g. [public.audit_log]");
        }
        for (JsonNode t : refused.isArray() ? refused : List.<JsonNode>of()) {
            String text = r.scalar(t, at + ".refuse-truncate");
            if (text != null) {
                refuseTruncate.add(text.contains(".") ? text : "public." + text);
            }
        }
        int workers = r.integer(n, at, "snapshot-workers", PipelineConfig.Postgres.DEFAULT_SNAPSHOT_WORKERS, 1,
                PipelineConfig.Postgres.MAX_SNAPSHOT_WORKERS);
        return new PipelineConfig.Postgres(url, user, new Secret(password), slot, r.optional(n, at, "publication", base), signals, heartbeat,
                refuseTruncate, workers);
    }

    /** {@code schema.table} or a bare table name: {@code public} for PostgreSQL, and always {@code main} for SQLite. */
    private List<TableRef> tables(JsonNode list, String at, String source, boolean sqlite) {
        List<TableRef> out = new ArrayList<>();
        if (!list.isArray() || list.isEmpty()) {
            r.problem(at + ".tables", "missing or empty", sqlite ? "list the tables to capture, e.g. [experiments]" : "list schema.table names, e.g. [public.trades]");
            return out;
        }
        for (JsonNode t : list) {
            String text = r.scalar(t, at + ".tables");
            if (text == null) {
                continue;
            }
            String[] parts = text.split("\\.", -1);
            String schema = parts.length == 2 ? parts[0] : (sqlite ? "main" : "public");
            String table = parts[parts.length - 1];
            if (parts.length > 2 || !IDENT.matcher(schema).matches() || !IDENT.matcher(table).matches()) {
                r.problem(at + ".tables", "'" + text + "' is not a table name", sqlite ? "write the table name, e.g. experiments" : "write schema.table, e.g. public.trades");
            } else if (sqlite && !schema.equals("main")) {
                r.problem(at + ".tables", "'" + text + "': a SQLite source's schema is 'main'", "write just the table name");
            } else {
                out.add(new TableRef(source, schema, table));
            }
        }
        return out;
    }
}
