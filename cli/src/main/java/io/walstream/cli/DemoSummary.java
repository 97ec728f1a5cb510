package io.walstream.cli;

import io.walstream.archiver.verify.VerifyReport;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code walstream demo} showed, for its closing lines and {@code --json}.
 *
 * @param postgresVersion     the servers' version, e.g. 17.11
 * @param walBytesReceived    WAL bytes the receivers took in (the switch segment's start comes twice)
 * @param lag                 the archive's lag behind the server while streaming
 * @param consistentMillis    from the base backup's start to a hot standby accepting read-only queries
 * @param catchUpMillis       from the load's last write to the standby having replayed it
 * @param readOnlyRows        rows the read-only query on the standby counted
 * @param writeRefusedState   the SQLSTATE of the refused write (25006), or null if it was not refused
 * @param writeRefusedMessage PostgreSQL's error text for it
 * @param primaryChecksum     md5 over the table's rows on the primary after the load stopped
 * @param standbyChecksum     the same on the standby after it replayed the primary's last LSN
 * @param promotedTimeline    the timeline the promoted standby writes
 * @param followedTimeline    the timeline walstream streamed from the promoted standby (0 if it never did)
 * @param newTimelineSegments segment files the archive has on the new timeline
 * @param historyArchived     whether the new timeline's history file is in the archive
 * @param verify              {@code walstream verify} of the archive at the end
 * @param archive             the archive directory
 * @param elapsedMillis       the whole demo
 */
record DemoSummary(String postgresVersion, long walBytesReceived, LagSampler.Summary lag, long consistentMillis,
        long catchUpMillis, long readOnlyRows, String writeRefusedState, String writeRefusedMessage,
        String primaryChecksum, String standbyChecksum, int promotedTimeline, int followedTimeline,
        int newTimelineSegments, boolean historyArchived, VerifyReport verify, Path archive, long elapsedMillis) {

    /** The WAL the archive holds on the newest timeline's history: each timeline from its start to where it ends. */
    long walBytesArchived() {
        if (verify.identity() == null) {
            return 0;
        }
        long sum = 0;
        for (VerifyReport.TimelineSummary t : verify.timelines()) {
            if (t.firstSegment() == null) {
                continue;
            }
            Lsn from = t.begin() != null ? t.begin()
                    : WalFileName.parse(t.firstSegment(), verify.identity().segmentSize()).startLsn();
            Lsn to = t.end() != null ? t.end() : t.verifiedEnd();
            if (to != null && to.isAfter(from)) {
                sum += to.bytesSince(from);
            }
        }
        return sum;
    }

    boolean checksumsEqual() {
        return primaryChecksum != null && primaryChecksum.equals(standbyChecksum);
    }

    boolean timelineFollowed() {
        return promotedTimeline > 1 && followedTimeline == promotedTimeline && historyArchived && newTimelineSegments > 0;
    }

    /** What CI asserts: the standby had the primary's data, the archive is clean, the new timeline was followed. */
    boolean success() {
        return checksumsEqual() && verify.clean() && timelineFollowed() && "25006".equals(writeRefusedState);
    }

    void print(PrintWriter err) {
        err.println();
        err.println("Summary");
        err.printf(Locale.ROOT, "  PostgreSQL %s; %s of WAL archived: %d segments (%d complete, %d partial) on %s%n",
                postgresVersion, mb(walBytesArchived()), verify.segments(), verify.completeSegments(),
                verify.partialSegments(), timelines());
        err.printf(Locale.ROOT, "  archive lag behind the primary (%d samples): p50 %s / %d ms, p95 %s / %d ms,"
                + " p99 %s / %d ms, max %s / %d ms%n", lag.samples(), kb(lag.p50Bytes()), lag.p50Millis(),
                kb(lag.p95Bytes()), lag.p95Millis(), kb(lag.p99Bytes()), lag.p99Millis(), kb(lag.maxBytes()),
                lag.maxMillis());
        err.printf(Locale.ROOT, "  hot standby: consistent %.1f s after the base backup began; replayed the last write"
                + " %.1f s after it committed%n", consistentMillis / 1000.0, catchUpMillis / 1000.0);
        err.printf("  checksums: %s%n", checksumsEqual() ? "equal (" + primaryChecksum + ")"
                : "DIFFERENT: primary " + primaryChecksum + ", standby " + standbyChecksum);
        err.printf("  timeline %d: %s%n", promotedTimeline, timelineFollowed()
                ? "followed (" + String.format("%08X", promotedTimeline) + ".history and " + newTimelineSegments
                        + " segment file(s) archived)"
                : "NOT followed (history " + (historyArchived ? "archived" : "missing") + ", " + newTimelineSegments
                        + " segment files)");
        err.printf("  verify: %s (%d errors, %d warnings, %d records checked)%n", verify.clean() ? "ok" : "DEFECTS",
                verify.errorCount(), verify.warningCount(), verify.recordsVerified());
        err.printf(Locale.ROOT, "  %s in %.0f s%n", success() ? "done" : "FAILED", elapsedMillis / 1000.0);
        err.flush();
    }

    private String timelines() {
        List<String> t = verify.timelines().stream().map(s -> Integer.toUnsignedString(s.timeline())).toList();
        return (t.size() == 1 ? "timeline " : "timelines ") + String.join(", ", t);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("success", success());
        m.put("postgresVersion", postgresVersion);
        m.put("archive", archive.toString());
        m.put("walBytesArchived", walBytesArchived());
        m.put("walBytesReceived", walBytesReceived);
        Map<String, Object> segments = new LinkedHashMap<>();
        segments.put("total", verify.segments());
        segments.put("complete", verify.completeSegments());
        segments.put("partial", verify.partialSegments());
        m.put("segments", segments);
        Map<String, Object> lagJson = new LinkedHashMap<>();
        lagJson.put("samples", lag.samples());
        lagJson.put("bytes", percentiles(lag.p50Bytes(), lag.p95Bytes(), lag.p99Bytes(), lag.maxBytes()));
        lagJson.put("millis", percentiles(lag.p50Millis(), lag.p95Millis(), lag.p99Millis(), lag.maxMillis()));
        m.put("lag", lagJson);
        m.put("timeToConsistencyMillis", consistentMillis);
        m.put("catchUpMillis", catchUpMillis);
        Map<String, Object> standby = new LinkedHashMap<>();
        standby.put("readOnlyRows", readOnlyRows);
        standby.put("writeRefusedSqlState", writeRefusedState);
        standby.put("writeRefusedMessage", writeRefusedMessage);
        m.put("hotStandby", standby);
        Map<String, Object> checksum = new LinkedHashMap<>();
        checksum.put("primary", primaryChecksum);
        checksum.put("standby", standbyChecksum);
        checksum.put("equal", checksumsEqual());
        m.put("checksum", checksum);
        Map<String, Object> timeline = new LinkedHashMap<>();
        timeline.put("promotedTo", promotedTimeline);
        timeline.put("followed", timelineFollowed());
        timeline.put("streamedTimeline", followedTimeline);
        timeline.put("historyArchived", historyArchived);
        timeline.put("segments", newTimelineSegments);
        m.put("timeline", timeline);
        m.put("verify", VerifyCommand.toJson(verify));
        m.put("elapsedMillis", elapsedMillis);
        return m;
    }

    private static Map<String, Object> percentiles(long p50, long p95, long p99, long max) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", p50);
        m.put("p95", p95);
        m.put("p99", p99);
        m.put("max", max);
        return m;
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }

    private static String kb(long bytes) {
        return bytes < 1024 ? bytes + " B" : bytes < 1048576 ? String.format(Locale.ROOT, "%.0f kB", bytes / 1024.0)
                : mb(bytes);
    }
}
