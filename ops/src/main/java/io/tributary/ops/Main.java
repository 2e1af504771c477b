package io.tributary.ops;

import io.tributary.capture.postgres.PostgresCaptureApp;
import io.tributary.capture.sqlite.SqliteCaptureApp;
import io.tributary.sink.SinkApp;
import io.tributary.transform.TransformApp;
import java.util.Arrays;

/**
 * The deployables' entry point (and the image's): dispatches to each deployable's own main. The local tools
 * (demo, local servers, benchmarks) start real test servers and live in tributary-ops-local
 * ({@code io.tributary.ops.local.LocalMain}), which {@code bin/tributary} puts in front of this.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        run(args);
    }

    /** Runs one deployable; prints the usage and exits 2 for anything else. */
    public static void run(String[] args) throws Exception {
        String cmd = args.length == 0 ? "" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (cmd) {
            case "capture-postgres" -> PostgresCaptureApp.main(rest);
            case "capture-sqlite" -> SqliteCaptureApp.main(rest);
            case "transform" -> TransformApp.main(rest);
            case "sink" -> SinkApp.main(rest);
            case "demo", "local-servers", "bench" -> {
                // these start real test servers; they live in tributary-ops-local, off the deployables' classpath
                System.err.println("tributary: '" + cmd + "' is a local tool: run it as bin/tributary " + cmd
                        + " (the launcher adds tributary-ops-local, which this image does not carry)");
                System.exit(2);
            }
            default -> {
                System.err.println("""
                        usage: tributary COMMAND [options]
                          capture-postgres --config FILE [--source NAME]   capture PostgreSQL sources (Debezium, pgoutput)
                          capture-sqlite   --config FILE [--source NAME]   capture SQLite sources
                          transform        --config FILE [--service NAME]  route and normalise per owning service
                          sink             --config FILE [--service NAME]  apply service topics to target databases
                          demo             [--seconds N] [--scale N]        the whole pipeline on local servers
                          bench sink [--rows N] [--updates N] [--pg-url URL] benchmark the sink against raw COPY
                          bench sqlite [--rows N] [--rate N] [--seconds N]  benchmark the SQLite WAL tailer
                          local up|down                                     start/stop local Kafka, registry, PostgreSQL""");
                System.exit(2);
            }
        }
    }
}
