package io.walstream.protocol.replication;

import io.walstream.protocol.TimelineHistory;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.message.backend.DataRow;
import java.util.Arrays;
import java.util.Objects;

/** The TIMELINE_HISTORY row: the file name ({@code TTTTTTTT.history}) and its exact bytes, to store unchanged. */
public record TimelineHistoryFile(String fileName, byte[] content) {

    public TimelineHistoryFile {
        if (!WalFileName.isHistoryFileName(Objects.requireNonNull(fileName, "fileName"))) {
            throw new UnexpectedResultException("TIMELINE_HISTORY result: file name \"" + fileName + "\" (expected: TTTTTTTT.history)");
        }
        content = content.clone();
    }

    public static TimelineHistoryFile from(QueryResult result) {
        DataRow row = result.singleRow();
        byte[] content = row.bytes(result.column("content"));
        if (content == null) {
            throw new UnexpectedResultException(result.command() + " result: column \"content\" is NULL");
        }
        return new TimelineHistoryFile(result.requireText(row, "filename"), content);
    }

    public int timeline() {
        return WalFileName.parseHistoryFileName(fileName);
    }

    /** The parsed content; fails with a {@link io.walstream.protocol.TimelineHistoryException} if it is malformed. */
    public TimelineHistory history() {
        return TimelineHistory.parse(timeline(), content);
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TimelineHistoryFile other && fileName.equals(other.fileName) && Arrays.equals(content, other.content);
    }

    @Override
    public int hashCode() {
        return 31 * fileName.hashCode() + Arrays.hashCode(content);
    }

    @Override
    public String toString() {
        return "TimelineHistoryFile(" + fileName + ", " + content.length + " bytes)";
    }
}
