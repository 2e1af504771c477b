package io.tributary.ops.cli;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.ConfigException;
import io.tributary.common.config.ConfigProblem;
import io.tributary.common.config.PipelineConfig;
import io.tributary.ops.reconcile.Reconciler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The pipeline file of an operator command and the databases it reads, checked before it starts: every
 * problem at once, as the deployables report theirs (the command then exits 2).
 */
final class OpsConfig {
    private OpsConfig() {
    }

    /** The selected services, or every service; a name the file does not have is a problem. */
    static List<PipelineConfig.Service> services(PipelineConfig config, String service, String table, Preflight preflight) {
        List<PipelineConfig.Service> out = config.services().stream().filter(s -> service == null || s.name().equals(service)).toList();
        if (out.isEmpty()) {
            preflight.problem("--service", "no service named '" + service + "'", "use a name listed under services:");
        } else if (table != null && out.stream().flatMap(s -> s.tables().stream()).noneMatch(t -> Reconciler.named(t, table))) {
            preflight.problem("--table", "no owned table named '" + table + "'" + (service == null ? "" : " in service " + service),
                    "name it as table, schema.table or source.schema.table, as listed under the service's tables:");
        }
        return out;
    }

    /** Checks that the targets of {@code services} and the sources of their tables answer. */
    static void databases(PipelineConfig config, List<PipelineConfig.Service> services, Preflight preflight) {
        Set<String> sources = new LinkedHashSet<>();
        for (PipelineConfig.Service s : services) {
            preflight.postgres("services[" + s.name() + "].target", s.target().url(), s.target().user(), s.target().password());
            s.tables().forEach(t -> sources.add(t.source()));
        }
        for (String name : sources) {
            PipelineConfig.Source src = config.source(name).orElseThrow();
            if (src.isSqlite()) {
                Path p = src.sqlite().path();
                if (!Files.isReadable(p)) {
                    preflight.problem("sources[" + name + "].sqlite.path", "SQLite database '" + p + "' does not exist or cannot be read",
                            "run the command on the host that has the application's database file");
                }
            } else {
                preflight.postgres("sources[" + name + "].postgres", src.postgres().url(), src.postgres().user(), src.postgres().password());
            }
        }
    }

    /** The problems as the deployables print them. */
    static String message(Path file, List<ConfigProblem> problems) {
        return new ConfigException("pipeline file " + file, problems).getMessage();
    }
}
