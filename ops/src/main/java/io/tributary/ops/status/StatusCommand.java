package io.tributary.ops.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tributary.common.config.PipelineConfig;
import io.tributary.ops.cli.TributaryCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tributary status --config F [--json]}: per table, its state, source position, time since the last
 * event and lag per stage; per source, the WAL it holds back; per service, dead letters; per deployable,
 * whether it answers. Exit 0 when healthy, 1 when a deployable is down or failed or a table is stuck, 2 for
 * a bad command line or pipeline file.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"The pipeline's state: per table state (snapshotting, streaming, waiting, stuck, failed), source position,",
                "seconds since the last event, lag in records and seconds per stage, slot/WAL sizes, dead letters.",
                "Exit 0 healthy, 1 a deployable down or a table stuck, 2 a bad command line or pipeline file."})
public final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the pipeline file")
    Path config;

    @Option(names = "--json", description = "print the report as JSON (only that, on standard output)")
    boolean json;

    @Option(names = "--host", defaultValue = "localhost", description = "where the deployables' HTTP endpoints are (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--stuck-after", defaultValue = "10", paramLabel = "SECONDS",
            description = "a stage that has not consumed a record this old is stuck (default ${DEFAULT-VALUE})")
    long stuckAfterSeconds;

    @Override
    public Integer call() throws Exception {
        PipelineConfig pipeline = TributaryCommand.loadPipeline(spec, config);
        if (pipeline == null) {
            return TributaryCommand.USAGE;
        }
        StatusReport report = new PipelineStatus(pipeline, host, Duration.ofSeconds(stuckAfterSeconds)).collect();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        } else {
            out.print(StatusText.render(report));
        }
        out.flush();
        return report.healthy() ? TributaryCommand.OK : TributaryCommand.FAILED;
    }
}
