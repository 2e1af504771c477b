package io.tributary.ops.cli;

import io.tributary.capture.postgres.PostgresCaptureApp;
import io.tributary.capture.sqlite.SqliteCaptureApp;
import io.tributary.sink.SinkApp;
import io.tributary.transform.TransformApp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The four deployables as commands. Each runs until SIGTERM (or a fatal error) through its own
 * {@code run(args, stop)}, which loads and checks the pipeline file (every problem at once, exit 2).
 */
final class StageCommands {
    private StageCommands() {
    }

    /** What every deployable takes: the pipeline file, and optionally one source or service of it. */
    abstract static class Stage implements Callable<Integer> {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "the pipeline file")
        Path config;

        /** The name of the --source/--service option and its value, or null when not given. */
        abstract String[] selection();

        abstract int run(String[] args);

        @Override
        public Integer call() {
            List<String> args = new ArrayList<>(List.of("--config", config.toString()));
            String[] sel = selection();
            if (sel[1] != null) {
                args.add("--" + sel[0]);
                args.add(sel[1]);
            }
            return run(args.toArray(String[]::new));
        }
    }

    @Command(name = "capture-postgres", mixinStandardHelpOptions = true,
            description = "Capture PostgreSQL sources (Debezium Embedded, pgoutput) into per-table topics.")
    static final class CapturePostgres extends Stage {
        @Option(names = "--source", paramLabel = "NAME", description = "only this source (default: every PostgreSQL source)")
        String source;

        @Override
        String[] selection() {
            return new String[] {"source", source};
        }

        @Override
        int run(String[] args) {
            return PostgresCaptureApp.run(args, new CountDownLatch(1));
        }
    }

    @Command(name = "capture-sqlite", mixinStandardHelpOptions = true,
            description = "Capture SQLite sources (the WAL tailer) into per-table topics.")
    static final class CaptureSqlite extends Stage {
        @Option(names = "--source", paramLabel = "NAME", description = "only this source (default: every SQLite source)")
        String source;

        @Override
        String[] selection() {
            return new String[] {"source", source};
        }

        @Override
        int run(String[] args) {
            return SqliteCaptureApp.run(args, new CountDownLatch(1));
        }
    }

    @Command(name = "transform", mixinStandardHelpOptions = true,
            description = "Route each owned table to its service topic and normalise types (Kafka Streams).")
    static final class Transform extends Stage {
        @Option(names = "--service", paramLabel = "NAME", description = "only this service (default: every service)")
        String service;

        @Override
        String[] selection() {
            return new String[] {"service", service};
        }

        @Override
        int run(String[] args) {
            return TransformApp.run(args, new CountDownLatch(1));
        }
    }

    @Command(name = "sink", mixinStandardHelpOptions = true,
            description = "Apply each service's topics to its PostgreSQL database, guarded by source position.")
    static final class Sink extends Stage {
        @Option(names = "--service", paramLabel = "NAME", description = "only this service (default: every service)")
        String service;

        @Override
        String[] selection() {
            return new String[] {"service", service};
        }

        @Override
        int run(String[] args) {
            return SinkApp.run(args, new CountDownLatch(1));
        }
    }
}
