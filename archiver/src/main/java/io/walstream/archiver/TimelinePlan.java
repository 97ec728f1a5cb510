package io.walstream.archiver;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.TimelineHistory;
import io.walstream.protocol.WalSegmentSize;
import java.util.ArrayList;
import java.util.List;

/**
 * Which timeline owns each segment number along one timeline's history, as recovery reads an archive
 * (XLogFileReadAnyTLI): the newest timeline whose start lies in or before the segment. The segment that holds a
 * switch point therefore belongs to the new timeline; the old timeline's copy of it is optional.
 */
public final class TimelinePlan {

    /**
     * One timeline of the history: it holds WAL from {@code begin} (null = the start) up to {@code end} (null = still
     * open); segments {@code firstSegment..lastSegment} may exist for it.
     */
    public record Span(int timeline, Lsn begin, Lsn end, long firstSegment, long lastSegment) {

        public boolean contains(long segment) {
            return segment >= firstSegment && segment <= lastSegment;
        }
    }

    private final List<Span> spans;

    private TimelinePlan(List<Span> spans) {
        this.spans = List.copyOf(spans);
    }

    public static TimelinePlan of(TimelineHistory history, WalSegmentSize segmentSize) {
        List<Span> spans = new ArrayList<>();
        Lsn begin = null;
        for (TimelineHistory.Entry entry : history.entries()) {
            spans.add(span(entry.timeline(), begin, entry.switchPoint(), segmentSize));
            begin = entry.switchPoint();
        }
        spans.add(span(history.timeline(), begin, null, segmentSize));
        return new TimelinePlan(spans);
    }

    private static Span span(int timeline, Lsn begin, Lsn end, WalSegmentSize segmentSize) {
        long first = begin == null ? 0 : begin.segmentNumber(segmentSize);
        // A switch point on a segment boundary ends the old timeline in the previous segment.
        long last = end == null ? Long.MAX_VALUE : Math.max(first, Lsn.of(end.value() - 1).segmentNumber(segmentSize));
        if (end != null && end.value() == 0) {
            last = first;
        }
        return new Span(timeline, begin, end, first, last);
    }

    public List<Span> spans() {
        return spans;
    }

    /** The timeline whose copy of {@code segment} recovery reads. */
    public int owner(long segment) {
        int owner = spans.get(0).timeline();
        for (Span span : spans) {
            if (span.firstSegment() <= segment) {
                owner = span.timeline();
            }
        }
        return owner;
    }

    /** The span of {@code timeline}, or null if it is not on this history. */
    public Span span(int timeline) {
        for (Span span : spans) {
            if (span.timeline() == timeline) {
                return span;
            }
        }
        return null;
    }

    /** True if a file of {@code timeline} for {@code segment} belongs to this history (owner or old copy). */
    public boolean onPath(int timeline, long segment) {
        Span span = span(timeline);
        return span != null && span.contains(segment);
    }
}
