package io.tributary.ops.cli;

import io.tributary.capture.postgres.PostgresCaptureApp;
import io.tributary.capture.sqlite.SqliteCaptureApp;
import io.tributary.sink.SinkApp;
import io.tributary.transform.TransformApp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The four deployables as commands. Each runs until SIGTERM (or a fatal error) through its own
 * {@code run(args, stop)}, which loads and checks the pipeline file (every problem at once, exit 2). They
 * differ only in name, description and whether one source or one service can be picked, so they are
 * built from one description each rather than four copies of a class.
 */
final class StageCommands {
    private StageCommands() {
    }

    /** Adds capture-postgres, capture-sqlite, transform and sink to {@code cl}. */
    static void addTo(CommandLine cl) {
        add(cl, "capture-postgres", "Capture PostgreSQL sources (Debezium Embedded, pgoutput) into per-table topics.", "source",
                "every PostgreSQL source", args -> PostgresCaptureApp.run(args, new CountDownLatch(1)));
        add(cl, "capture-sqlite", "Capture SQLite sources (the WAL tailer) into per-table topics.", "source",
                "every SQLite source", args -> SqliteCaptureApp.run(args, new CountDownLatch(1)));
        add(cl, "transform", "Route each owned table to its service topic and normalise types (Kafka Streams).", "service",
                "every service", args -> TransformApp.run(args, new CountDownLatch(1)));
        add(cl, "sink", "Apply each service's topics to its PostgreSQL database, guarded by source position.", "service",
                "every service", args -> SinkApp.run(args, new CountDownLatch(1)));
    }

    private static void add(CommandLine cl, String name, String description, String selector, String all, Function<String[], Integer> run) {
        Stage stage = new Stage(selector, run);
        CommandSpec spec = CommandSpec.wrapWithoutInspection(stage).name(name).mixinStandardHelpOptions(true);
        spec.usageMessage().description(description);
        spec.addOption(OptionSpec.builder("--config").required(true).paramLabel("FILE").type(String.class)
                .description("the pipeline file").setter(new CommandLine.Model.ISetter() {
                    @Override
                    public <T> T set(T value) {
                        stage.config = (String) value;
                        return null;
                    }
                }).build());
        spec.addOption(OptionSpec.builder("--" + selector).paramLabel("NAME").type(String.class)
                .description("only this " + selector + " (default: " + all + ")").setter(new CommandLine.Model.ISetter() {
                    @Override
                    public <T> T set(T value) {
                        stage.selected = (String) value;
                        return null;
                    }
                }).build());
        cl.addSubcommand(name, new CommandLine(spec));
    }

    /** One deployable's run: its arguments rebuilt from the parsed options. */
    private static final class Stage implements Callable<Integer> {
        private final String selector;
        private final Function<String[], Integer> run;
        String config;
        String selected;

        Stage(String selector, Function<String[], Integer> run) {
            this.selector = selector;
            this.run = run;
        }

        @Override
        public Integer call() {
            List<String> args = new ArrayList<>(List.of("--config", config));
            if (selected != null) {
                args.add("--" + selector);
                args.add(selected);
            }
            return run.apply(args.toArray(String[]::new));
        }
    }
}
