package io.tributary.ops.local;

import io.tributary.ops.Main;
import io.tributary.ops.local.demo.Demo;
import java.util.Arrays;

/**
 * The entry point of {@code bin/tributary} on a developer's machine: the local tools that start real
 * servers (the demo, {@code local up}, the benchmarks), and every deployable through {@link Main}.
 */
public final class LocalMain {
    private LocalMain() {
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length == 0 ? "" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (cmd) {
            case "demo" -> Demo.main(rest);
            case "local-servers" -> LocalServers.main(rest);
            case "bench" -> Bench.main(rest);
            default -> Main.run(args);
        }
    }
}
