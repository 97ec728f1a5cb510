package io.walstream.replaysim.validate;

import io.walstream.protocol.PgEpoch;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the real standby's log (log_line_prefix {@code %m [%p] }, log_timezone UTC) says about its startup process: when
 * redo started, and how far apart it cancelled one query after another.
 */
final class StandbyLog {

    private static final Pattern LINE = Pattern.compile(
            "^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}) UTC \\[\\d+\\] .*$", Pattern.MULTILINE);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    /** Cancellations further apart than this were not one right after the other. */
    private static final long BACK_TO_BACK_MICROS = 20_000;

    private StandbyLog() {
    }

    /**
     * The time of the "redo starts at" line, on PostgreSQL's epoch in microseconds.
     *
     * @throws IllegalStateException when the log has none
     */
    static long redoStarted(String log) {
        for (String line : log.split("\n")) {
            if (line.contains("LOG:  redo starts at ")) {
                return time(line);
            }
        }
        throw new IllegalStateException("the standby's log has no \"redo starts at\" line");
    }

    /**
     * What one cancellation costs replay, as the startup process showed it: the mean time between two queries cancelled
     * one right after the other (less than 20 ms apart: the signal, the 5 ms sleep, the check that the victim is gone,
     * and any record applied between two conflicting ones). 0 when no two were.
     */
    static long meanCancellationSpacingMicros(String log) {
        List<Long> times = new ArrayList<>();
        for (String line : log.split("\n")) {
            if (line.contains("ERROR:  canceling statement due to conflict with recovery")
                    || line.contains("FATAL:  terminating connection due to conflict with recovery")) {
                times.add(time(line));
            }
        }
        long sum = 0;
        int n = 0;
        for (int i = 1; i < times.size(); i++) {
            long gap = times.get(i) - times.get(i - 1);
            if (gap >= 0 && gap < BACK_TO_BACK_MICROS) {
                sum += gap;
                n++;
            }
        }
        return n == 0 ? 0 : Math.round((double) sum / n);
    }

    private static long time(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            throw new IllegalStateException("not a standby log line with a UTC time: " + line);
        }
        return PgEpoch.fromInstant(LocalDateTime.parse(m.group(1), TIME).toInstant(ZoneOffset.UTC));
    }
}
