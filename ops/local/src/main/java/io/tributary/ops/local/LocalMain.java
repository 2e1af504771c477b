package io.tributary.ops.local;

import io.tributary.ops.cli.TributaryCommand;
import io.tributary.ops.local.demo.Demo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The entry point of {@code bin/tributary} on a developer's machine: every command of
 * {@link TributaryCommand}, plus the local tools that start real servers (the demo, the local servers behind
 * {@code local up}, the benchmarks).
 */
public final class LocalMain {
    private LocalMain() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = TributaryCommand.commandLine();
        cl.addSubcommand(new DemoCommand());
        cl.addSubcommand(new BenchCommand());
        cl.getSubcommands().get("bench").setUnmatchedOptionsArePositionalParams(true);
        cl.addSubcommand(new LocalServersCommand());
        cl.getCommandSpec().usageMessage().footer("%nLocal servers: bin/tributary local up|down starts/stops Kafka, a registry and PostgreSQL.");
        return cl;
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = {"The whole pipeline on local servers: a PostgreSQL monolith and a SQLite experiments database, live "
                    + "changes in both, then a per-table comparison of source and target.", "Exit 0 only if every table matches."})
    static final class DemoCommand implements Callable<Integer> {
        @Option(names = "--seconds", defaultValue = "20", description = "seconds of live changes (default ${DEFAULT-VALUE})")
        int seconds;

        @Option(names = "--scale", defaultValue = "10", description = "size of the initial data (default ${DEFAULT-VALUE})")
        int scale;

        @Override
        public Integer call() throws Exception {
            return Demo.run(seconds, scale);
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = {"Benchmarks on local servers:",
                    "  bench sink [--rows N] [--updates N] [--pg-url JDBC_URL]   the sink against raw COPY",
                    "  bench sqlite [--rows N] [--rate N] [--seconds N]         the SQLite WAL tailer",
                    "  bench sqlite --restart PERCENT [--rows N]                a restart after PERCENT of the rows changed and a",
                    "                                                           checkpoint: resync against a new snapshot",
                    "  bench reconcile [--rows N] [--source sqlite|postgres] [--heap SIZE]",
                    "                                                           reconcile against count(*) + a hash query",
                    "  bench replay [--rows N]                                  replay against raw COPY",
                    "  bench timescale [--rows N] [--live N] [--pg-url URL]     hypertable, aggregates and compression against a plain table",
                    "  bench pipeline [sqlite|postgres|stream] [--rows N] [--heap SIZE] [--profile DIR] [--partitions N] [--instances N] [--kafka KEY=VALUE]",
                    "                 [--seconds N] [--clients N] [--rate TPS] [--synchronous-commit on|off]",
                    "                                                           the whole pipeline, a process per deployable, against",
                    "                                                           raw COPY, the COPY pipe, pgloader (where installed)",
                    "  bench postgres-snapshot [--rows N] [--workers 1,2,4] [--heap SIZE] [--profile DIR]",
                    "                                                           capture-postgres' initial snapshot by 1, 2, 4 workers"})
    static final class BenchCommand implements Callable<Integer> {
        @Parameters(paramLabel = "ARGS", arity = "1..*", description = "the benchmark and its options")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Bench.main(args.toArray(String[]::new));
            return 0;
        }
    }

    @Command(name = "local-servers", hidden = true, description = "Runs Kafka, a registry and PostgreSQL for `local up` until stopped.")
    static final class LocalServersCommand implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "where the servers keep their data and the env file")
        Path dir;

        @Override
        public Integer call() throws Exception {
            LocalServers.main(new String[] {dir.toString()});
            return 0;
        }
    }
}
