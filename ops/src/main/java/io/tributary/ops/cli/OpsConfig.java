package io.tributary.ops.cli;

import io.tributary.common.app.Preflight;
import io.tributary.common.config.ConfigException;
import io.tributary.common.config.PipelineConfig;
import io.tributary.ops.reconcile.Reconciler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The set-up every operator command (reconcile, replay, cutover, detach) shares: its pipeline file loaded and
 * validated, its services selected, and the servers it needs checked before it starts, every problem at once
 * as the deployables report theirs ({@link #failed()} prints them; the command then exits 2).
 */
final class OpsConfig {
    /** {@code --config FILE}, the option of every operator command. */
    static final class FileOption {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "the pipeline file")
        Path config;
    }

    private final CommandLine.Model.CommandSpec spec;
    private final Path file;
    private final PipelineConfig pipeline;
    private final List<PipelineConfig.Service> services;
    private final Preflight preflight = new Preflight();

    private OpsConfig(CommandLine.Model.CommandSpec spec, Path file, PipelineConfig pipeline, String service, String table) {
        this.spec = spec;
        this.file = file;
        this.pipeline = pipeline;
        this.services = services(pipeline, service, table, preflight);
    }

    /**
     * The pipeline file and the services of {@code service} (null: every service) owning {@code table} (null: any);
     * null after printing the file's problems on the command's standard error (exit {@link TributaryCommand#USAGE}).
     */
    static OpsConfig load(CommandLine.Model.CommandSpec spec, FileOption file, String service, String table) {
        PipelineConfig pipeline = TributaryCommand.loadPipeline(spec, file.config);
        return pipeline == null ? null : new OpsConfig(spec, file.config, pipeline, service, table);
    }

    PipelineConfig pipeline() {
        return pipeline;
    }

    /** The selected services (empty when {@code --service} names none: a problem already). */
    List<PipelineConfig.Service> services() {
        return services;
    }

    /** The one service a command with a required {@code --service} works on. */
    PipelineConfig.Service service() {
        return services.get(0);
    }

    Preflight preflight() {
        return preflight;
    }

    /** Checks that the targets of the selected services and the sources of their tables answer. */
    OpsConfig databases() {
        return databases(pipeline, services);
    }

    /** The same for {@code services} of {@code other}, a pipeline derived from this one (replay's, with its own target). */
    OpsConfig databases(PipelineConfig other, List<PipelineConfig.Service> services) {
        databases(other, services, preflight);
        return this;
    }

    /** Checks that the targets of the selected services answer. */
    OpsConfig targets() {
        services.forEach(s -> preflight.postgres("services[" + s.name() + "].target", s.target().url(), s.target().user(), s.target().password()));
        return this;
    }

    /** Checks Kafka and the registry, unless a problem was found already (they are not worth the wait then). */
    OpsConfig kafkaAndRegistry() {
        if (preflight.problems().isEmpty()) {
            preflight.kafkaAndRegistry(pipeline);
        }
        return this;
    }

    /** True, after printing every problem as the deployables print them, when a check found one. */
    boolean failed() {
        if (preflight.problems().isEmpty()) {
            return false;
        }
        spec.commandLine().getErr().println(new ConfigException("pipeline file " + file, preflight.problems()).getMessage());
        return true;
    }

    /** The selected services, or every service; a name the file does not have is a problem. */
    private static List<PipelineConfig.Service> services(PipelineConfig config, String service, String table, Preflight preflight) {
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
    private static void databases(PipelineConfig config, List<PipelineConfig.Service> services, Preflight preflight) {
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
}
