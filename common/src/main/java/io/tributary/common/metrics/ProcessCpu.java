package io.tributary.common.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * CPU time of processes on this machine, for {@code bench sink} (Linux {@code /proc}): a process's user and system
 * seconds, and those of the PostgreSQL backends serving one database (the server's side of a client's work, when
 * the server runs on this machine). The pipeline benchmark's budget ({@code CpuBudget}, ops/local) reads
 * {@code /proc} for whole process trees.
 */
public final class ProcessCpu {
    private ProcessCpu() {
    }

    /** CPU seconds (user and system) of process {@code pid}, from {@code /proc/<pid>/stat}; NaN when it is gone. */
    public static double seconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is 14th, stime 15th
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // USER_HZ is 100 on Linux
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
