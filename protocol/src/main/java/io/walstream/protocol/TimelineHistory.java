package io.walstream.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The content of a {@code TTTTTTTT.history} file: the ancestors of {@link #timeline()}, each with the LSN at which
 * the next timeline branched off. Parsed with the same rules as PostgreSQL's {@code readTimeLineHistory}.
 */
public final class TimelineHistory {

    /** Timeline {@code timeline} holds WAL up to (not including) {@code switchPoint}. */
    public record Entry(int timeline, Lsn switchPoint, String reason) {
        public Entry {
            Objects.requireNonNull(switchPoint, "switchPoint");
            Objects.requireNonNull(reason, "reason");
        }
    }

    private final int timeline;
    private final List<Entry> entries;

    public TimelineHistory(int timeline, List<Entry> entries) {
        this.timeline = timeline;
        this.entries = List.copyOf(entries);
    }

    /** The history of timeline 1, which has no ancestors. */
    public static TimelineHistory initial() {
        return new TimelineHistory(1, List.of());
    }

    public static TimelineHistory parse(int timeline, byte[] content) {
        return parse(timeline, new String(content, StandardCharsets.UTF_8));
    }

    /**
     * Parses lines {@code tli<TAB>X/X<TAB>reason}; blank lines and lines starting with {@code #} are skipped.
     *
     * @throws TimelineHistoryException naming the line when a line is malformed, timeline IDs do not increase, are not
     *                                  below {@code timeline}, or switch points go backwards
     */
    public static TimelineHistory parse(int timeline, String content) {
        List<Entry> entries = new ArrayList<>();
        String[] lines = content.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            String trimmed = line.stripLeading();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int lineNumber = i + 1;
            String[] fields = trimmed.split("\t", 3);
            long tli;
            try {
                tli = Long.parseLong(fields[0].strip());
            } catch (NumberFormatException e) {
                throw new TimelineHistoryException(timeline, lineNumber, line, "expected a numeric timeline ID");
            }
            if (tli <= 0 || tli > 0xFFFF_FFFFL) {
                throw new TimelineHistoryException(timeline, lineNumber, line, "timeline ID out of range");
            }
            Lsn switchPoint;
            try {
                switchPoint = Lsn.parse(fields.length > 1 ? fields[1].strip() : "");
            } catch (IllegalArgumentException e) {
                throw new TimelineHistoryException(timeline, lineNumber, line, "expected a write-ahead log switchpoint location");
            }
            if (!entries.isEmpty()) {
                Entry previous = entries.get(entries.size() - 1);
                if (tli <= Integer.toUnsignedLong(previous.timeline())) {
                    throw new TimelineHistoryException(timeline, lineNumber, line, "timeline IDs must be in increasing sequence");
                }
                if (switchPoint.isBefore(previous.switchPoint())) {
                    throw new TimelineHistoryException(timeline, lineNumber, line, "switch points must not decrease");
                }
            }
            if (tli >= Integer.toUnsignedLong(timeline)) {
                throw new TimelineHistoryException(timeline, lineNumber, line, "timeline IDs must be less than the file's own timeline "
                    + Integer.toUnsignedString(timeline));
            }
            entries.add(new Entry((int) tli, switchPoint, fields.length > 2 ? fields[2] : ""));
        }
        return new TimelineHistory(timeline, entries);
    }

    /** The timeline this history leads to (the {@code TTTTTTTT} of the file name). */
    public int timeline() {
        return timeline;
    }

    /** Ancestors in increasing order; empty for timeline 1. */
    public List<Entry> entries() {
        return entries;
    }

    /**
     * The timeline on which {@code lsn} was written in this history: a switch point itself already belongs to the
     * next timeline, as in PostgreSQL's {@code tliOfPointInHistory}.
     */
    public int timelineOf(Lsn lsn) {
        for (Entry entry : entries) {
            if (lsn.isBefore(entry.switchPoint())) {
                return entry.timeline();
            }
        }
        return timeline;
    }

    /** Where timeline {@code tli} ended; empty for this history's own timeline, which has not ended. */
    public Optional<Lsn> switchPoint(int tli) {
        for (Entry entry : entries) {
            if (entry.timeline() == tli) {
                return Optional.of(entry.switchPoint());
            }
        }
        if (tli == timeline) {
            return Optional.empty();
        }
        throw new IllegalArgumentException("timeline " + Integer.toUnsignedString(tli) + " is not in the history of timeline "
            + Integer.toUnsignedString(timeline));
    }

    /** True if {@code tli} is this history's timeline or one of its ancestors. */
    public boolean contains(int tli) {
        return tli == timeline || entries.stream().anyMatch(e -> e.timeline() == tli);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TimelineHistory other && timeline == other.timeline && entries.equals(other.entries);
    }

    @Override
    public int hashCode() {
        return 31 * timeline + entries.hashCode();
    }

    @Override
    public String toString() {
        return "TimelineHistory(timeline=" + Integer.toUnsignedString(timeline) + ", entries=" + entries + ')';
    }
}
