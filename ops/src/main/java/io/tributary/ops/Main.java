package io.tributary.ops;

import io.tributary.ops.cli.TributaryCommand;

/**
 * The deployables' entry point (and the image's): the {@code tributary} command line
 * ({@link TributaryCommand}). The local tools (demo, local servers, benchmarks) start real test servers
 * and live in tributary-ops-local ({@code io.tributary.ops.local.LocalMain}), which {@code bin/tributary}
 * puts in front of this.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(TributaryCommand.commandLine().execute(args));
    }
}
