package io.tributary.ops.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code tributary}: one command line for the deployables and the operator commands. Every command has
 * {@code --help}; {@code tributary --version} prints the version; {@code tributary generate-completion}
 * prints a bash/zsh completion script. Exit codes, the same for every command: 0 success, 1 a runtime
 * failure (or, for a check such as reconcile, a failed verdict), 2 a bad command line, pipeline file or
 * unreachable server. Reports for machines ({@code --json}, {@code tail}) are the only thing on standard
 * output; logs go to standard error ({@code --log-format json} makes them JSON lines).
 */
@Command(name = "tributary", mixinStandardHelpOptions = true, versionProvider = TributaryCommand.Version.class,
        description = "Change-data capture from SQLite and PostgreSQL into per-service PostgreSQL databases.",
        subcommands = {io.tributary.ops.status.StatusCommand.class, io.tributary.ops.tail.TailCommand.class, ReconcileCommand.class, ReplayCommand.class, CutoverCommand.class,
                io.tributary.ops.resnapshot.ResnapshotCommand.class, AutoComplete.GenerateCompletion.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:a runtime failure, or a check that did not pass", "2:a bad command line, pipeline file or unreachable server"})
public final class TributaryCommand implements Runnable {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** How logs are written on standard error. */
    enum LogFormat { text, json }

    @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "text|json", defaultValue = "text",
            description = "log lines on standard error as text (default) or JSON lines")
    void logFormat(LogFormat format) throws java.net.URISyntaxException {
        if (format == LogFormat.json) {
            Configurator.reconfigure(TributaryCommand.class.getResource("/tributary-log4j2-json.xml").toURI());
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
    }

    /** The command line with every subcommand of this module; the local tools add theirs. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TributaryCommand());
        StageCommands.addTo(cl);
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? USAGE : FAILED);
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
        return cl;
    }

    /**
     * The pipeline file, loaded and checked; null after printing every problem on the command's standard
     * error (the caller then exits {@link #USAGE}).
     */
    public static io.tributary.common.config.PipelineConfig loadPipeline(CommandLine.Model.CommandSpec spec, java.nio.file.Path file) {
        try {
            return io.tributary.common.config.PipelineConfigLoader.load(file, System.getenv());
        } catch (io.tributary.common.config.ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return null;
        }
    }

    /** Reads the version Maven wrote into tributary-version.properties. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = TributaryCommand.class.getResourceAsStream("/tributary-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"tributary " + p.getProperty("version", "(unknown version)"),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
