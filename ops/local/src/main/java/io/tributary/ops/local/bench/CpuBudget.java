package io.tributary.ops.local.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * The CPU budget of a bench run: the CPU seconds (user and system, from {@code /proc}, Linux) each process of
 * the run took between two readings, and how busy the whole machine was. On a machine of few cores every stage,
 * the broker, the registry and PostgreSQL compete for the same cores, so the sum of their CPU seconds divided by
 * the cores is a floor under the end-to-end time.
 * <p>
 * A process that was not running at the first reading counts from zero; one that has ended by the second reads
 * as NaN and is shown as {@code -}.
 */
final class CpuBudget {
    /** What is read at each reading: a name and its CPU seconds so far, in the order they are printed. */
    private final Map<String, DoubleSupplier> processes = new LinkedHashMap<>();
    /** Those of {@link #processes} that are part of another one listed (a walsender in PostgreSQL): printed, not summed. */
    private final java.util.Set<String> parts = new java.util.HashSet<>();
    private Map<String, Double> start;
    private long startNanos;

    /** Adds a process to read: {@code seconds} gives its CPU seconds so far (NaN when unknown). */
    CpuBudget add(String name, DoubleSupplier seconds) {
        processes.put(name, seconds);
        return this;
    }

    /** Adds a process that is part of one added before (e.g. one PostgreSQL backend): printed, not added to the sums. */
    CpuBudget addPart(String name, DoubleSupplier seconds) {
        parts.add(name);
        return add(name, seconds);
    }

    /** The first reading: the run's CPU is counted from here. */
    CpuBudget start() {
        start = read();
        startNanos = System.nanoTime();
        return this;
    }

    private Map<String, Double> read() {
        Map<String, Double> m = new LinkedHashMap<>();
        processes.forEach((name, s) -> m.put(name, s.getAsDouble()));
        m.put(MACHINE, machineBusySeconds());
        return m;
    }

    private static final String MACHINE = "machine";

    /**
     * Reads again and prints one line per process: its CPU seconds since {@link #start}, the part of them it spent
     * starting ({@code startUp}, by name, where known: a deployable's JVM start and start-up checks), its CPU as
     * cores over the interval, and per {@code unit} (e.g. per row) in microseconds, start-up left out; then the
     * deployables together (the first {@code deployables} processes), all listed processes, the machine's busy CPU
     * seconds, and the difference (other users of the machine, the kernel, processes not listed).
     */
    void print(PrintStream out, String what, long units, String unit, int deployables, Map<String, Double> startUp) {
        Map<String, Double> end = read();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        int cores = Runtime.getRuntime().availableProcessors();
        out.printf("%n  CPU budget %s: %.1f s on %d cores (/proc, user + system)%n", what, seconds, cores);
        out.printf("  %-42s %8s %9s %6s %13s%n", "process", "CPU s", "start-up", "cores", "µs/" + unit + " after");
        double[] listed = new double[2];
        double[] ours = new double[2];
        int i = 0;
        for (String name : processes.keySet()) {
            double before = start.getOrDefault(name, Double.NaN);
            double used = end.get(name) - (Double.isNaN(before) ? 0 : before); // not running at the start: counted from its own
            double starting = startUp.getOrDefault(name, 0.0) - (Double.isNaN(before) ? 0 : before);
            line(out, name, used, Math.max(0, starting), seconds, units);
            if (!Double.isNaN(used) && !parts.contains(name)) {
                listed[0] += used;
                listed[1] += Math.max(0, starting);
                if (i < deployables) {
                    ours[0] += used;
                    ours[1] += Math.max(0, starting);
                }
            }
            if (++i == deployables) {
                line(out, "  the deployables together", ours[0], ours[1], seconds, units);
            }
        }
        double machine = end.get(MACHINE) - start.get(MACHINE);
        line(out, "all listed", listed[0], listed[1], seconds, units);
        line(out, "machine busy", machine, Double.NaN, seconds, 0);
        line(out, "  not listed (other users, kernel)", machine - listed[0], Double.NaN, seconds, 0);
        out.printf("  machine busy share: %.0f%% of %d cores; the listed processes alone need %.1f s on %d cores, %.1f s without start-up%n",
                100 * machine / seconds / cores, cores, listed[0] / cores, cores, (listed[0] - listed[1]) / cores);
    }

    private static void line(PrintStream out, String name, double used, double startUp, double seconds, long units) {
        String starting = Double.isNaN(startUp) || startUp == 0 ? "-" : String.format("%.1f", startUp);
        if (Double.isNaN(used)) {
            out.printf("  %-42s %8s %9s %6s %13s%n", name, "-", starting, "-", "-");
        } else {
            String perUnit = units > 0 ? String.format("%.1f", (used - (Double.isNaN(startUp) ? 0 : startUp)) * 1e6 / units) : "-";
            out.printf("  %-42s %8.1f %9s %6.2f %13s%n", name, used, starting, used / seconds, perUnit);
        }
    }

    /** CPU seconds (user and system) of process {@code pid}, from {@code /proc/<pid>/stat}; NaN when it is gone. */
    static double processSeconds(long pid) {
        return stat(pid, false);
    }

    /**
     * CPU seconds of process {@code pid} and all its descendants, ended ones included: its own time, the time of
     * the children it has waited for ({@code cutime}, {@code cstime}), and that of each child still running. For
     * PostgreSQL's postmaster: every backend, walsender and background worker, the connections that came and went.
     */
    static double treeSeconds(long pid) {
        double sum = stat(pid, true);
        for (ProcessHandle child : ProcessHandle.of(pid).map(p -> p.children().toList()).orElse(java.util.List.of())) {
            double s = treeSeconds(child.pid());
            sum += Double.isNaN(s) ? 0 : s;
        }
        return sum;
    }

    private static double stat(long pid, boolean withChildren) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // fields after the command name (which may hold spaces, so split after its closing parenthesis):
            // utime is the 14th, stime the 15th, cutime and cstime (waited-for children) the 16th and 17th
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + (withChildren ? Long.parseLong(f[13]) + Long.parseLong(f[14]) : 0);
            return ticks / 100.0; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** CPU seconds the whole machine has been busy (every core; not idle, not waiting on I/O), from {@code /proc/stat}. */
    static double machineBusySeconds() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
