package io.tributary.capture.sqlite;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The application's {@code -wal} file as the monitoring pack sees it, read from the file system at each
 * scrape (independent of the tailer's thread, so they keep moving while the tailer is stuck):
 * <ul>
 *   <li>{@code tributary.capture.sqlite.wal{source}} (Prometheus {@code tributary_capture_sqlite_wal_bytes}): the
 *       file's size. It stays near {@code wal-limit-mb} while the tailer's quiet windows let SQLite restart the WAL,
 *       and grows without bound when they cannot (docs/sqlite-wal.md).</li>
 *   <li>{@code tributary.capture.sqlite.wal.modified.timestamp{source}} (Prometheus
 *       {@code tributary_capture_sqlite_wal_modified_timestamp_seconds}): when the application last wrote to it, in
 *       seconds since the epoch; it moves while the application writes, so an alert can tell "nothing written" from
 *       "written but not captured".</li>
 * </ul>
 * Both read NaN while there is no WAL file (SQLite deletes it when the last connection closes cleanly).
 */
final class WalFileGauges {
    private WalFileGauges() {
    }

    static void register(MeterRegistry metrics, String source, Path database) {
        Path wal = database.resolveSibling(database.getFileName() + "-wal");
        Gauge.builder("tributary.capture.sqlite.wal", wal, WalFileGauges::size).baseUnit("bytes")
                .description("size of the SQLite source's -wal file").tag("source", source).strongReference(true).register(metrics);
        Gauge.builder("tributary.capture.sqlite.wal.modified.timestamp", wal, WalFileGauges::modified).baseUnit("seconds")
                .description("last write to the SQLite source's -wal file, seconds since the epoch").tag("source", source)
                .strongReference(true).register(metrics);
    }

    private static double size(Path wal) {
        try {
            return Files.size(wal);
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    private static double modified(Path wal) {
        try {
            return Files.getLastModifiedTime(wal).toMillis() / 1000.0;
        } catch (IOException e) {
            return Double.NaN;
        }
    }
}
