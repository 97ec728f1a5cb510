package io.walstream.protocol;

/** A timeline history file that PostgreSQL would reject; names the offending line. */
public final class TimelineHistoryException extends PgWalException {

    private static final long serialVersionUID = 1L;

    private final int lineNumber;

    public TimelineHistoryException(int timeline, int lineNumber, String line, String problem) {
        super("timeline history of timeline " + Integer.toUnsignedString(timeline) + ", line " + lineNumber + ": "
            + problem + ": \"" + line + "\"");
        this.lineNumber = lineNumber;
    }

    /** 1-based line number in the file. */
    public int lineNumber() {
        return lineNumber;
    }
}
