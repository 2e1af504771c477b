package io.tributary.ops.status;

import java.util.Locale;

/** The status report as a table for a terminal. */
final class StatusText {
    private StatusText() {
    }

    static String render(StatusReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append(r.healthy() ? "HEALTHY" : "NOT HEALTHY").append('\n').append('\n');
        for (StatusReport.Deployable d : r.deployables()) {
            sb.append(String.format(Locale.ROOT, "  %-17s %-7s %s%n", d.name(), d.state(), d.url()));
        }
        sb.append('\n').append(String.format(Locale.ROOT, "  %-40s %-14s %-13s %-28s %9s %21s %21s %7s %7s%n", "table", "service", "state",
                "position", "idle s", "transform lag rec/s", "sink lag rec/s", "parked", "quarant"));
        for (StatusReport.Table t : r.tables()) {
            sb.append(String.format(Locale.ROOT, "  %-40s %-14s %-13s %-28s %9s %21s %21s %7s %7s%n", t.table(), t.service(), t.state(),
                    t.position() == null ? "-" : t.position(), t.secondsSinceEvent() == null ? "-" : String.format(Locale.ROOT, "%.1f", t.secondsSinceEvent()),
                    lag(t.transform()), lag(t.sink()), t.parked() == null ? "?" : t.parked(), t.quarantined() == null ? "?" : t.quarantined()));
        }
        sb.append('\n');
        for (StatusReport.Source s : r.sources()) {
            String held = s.slotRetainedWalBytes() != null ? "slot retains " + s.slotRetainedWalBytes() + " bytes of WAL"
                    : s.sqliteWalBytes() != null ? "WAL file " + s.sqliteWalBytes() + " bytes" : "-";
            sb.append(String.format(Locale.ROOT, "  source %-20s %-10s %s, dead letters: capture %d%s%n", s.name(), s.kind(), held,
                    s.captureDeadLetters(), s.problem() == null ? "" : " (" + s.problem() + ")"));
        }
        for (StatusReport.Service s : r.services()) {
            sb.append(String.format(Locale.ROOT, "  service %-19s dead letters: transform %d, sink %d%n", s.name(), s.transformDeadLetters(), s.sinkDeadLetters()));
        }
        return sb.toString();
    }

    private static String lag(StatusReport.Stage s) {
        return s.lagRecords() + " / " + String.format(Locale.ROOT, "%.1f", s.lagSeconds());
    }
}
