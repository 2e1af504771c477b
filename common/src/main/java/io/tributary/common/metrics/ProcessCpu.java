package io.tributary.common.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * CPU time of processes on this machine, for the benchmarks (Linux {@code /proc}): a process's user and system
 * seconds, a whole process tree's, the machine's busy time, and those of the PostgreSQL backends serving one
 * database (the server's side of a client's work, when the server runs on this machine).
 */
public final class ProcessCpu {
    private ProcessCpu() {
    }

    /** CPU seconds (user and system) of process {@code pid}, from {@code /proc/<pid>/stat}; NaN when it is gone. */
    public static double seconds(long pid) {
        return stat(pid, false);
    }

    /**
     * CPU seconds of process {@code pid} and all its descendants, ended ones included: its own time, the time of
     * the children it has waited for ({@code cutime}, {@code cstime}), and that of each child still running. For
     * PostgreSQL's postmaster: every backend, walsender and background worker, the connections that came and went.
     */
    public static double treeSeconds(long pid) {
        double sum = stat(pid, true);
        for (ProcessHandle child : ProcessHandle.of(pid).map(p -> p.children().toList()).orElse(List.of())) {
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
    public static double machineBusySeconds() {
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

    /** CPU seconds this JVM has used (every thread: the work, the collector, the compiler). */
    public static double ownSeconds() {
        return seconds(ProcessHandle.current().pid());
    }

    /**
     * CPU seconds so far of the client backends connected to {@code c}'s database, {@code c}'s own left out;
     * NaN when the server runs elsewhere. A backend that ended is no longer counted, so read it while the
     * connections of interest are open.
     */
    public static double backendSeconds(Connection c) throws SQLException {
        double sum = 0;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                + "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")) {
            while (rs.next()) {
                sum += seconds(rs.getLong(1));
            }
        }
        return sum;
    }
}
