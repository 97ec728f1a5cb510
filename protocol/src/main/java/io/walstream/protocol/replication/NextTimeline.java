package io.walstream.protocol.replication;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.message.backend.DataRow;
import java.util.Objects;

/**
 * The row sent after streaming of a historic timeline ends (or instead of streaming, when START_REPLICATION begins
 * exactly at a switch point): the next timeline and where it starts.
 */
public record NextTimeline(int timeline, Lsn startPosition) {

    public NextTimeline {
        Objects.requireNonNull(startPosition, "startPosition");
    }

    public static NextTimeline from(QueryResult result) {
        DataRow row = result.singleRow();
        int timeline = result.timeline(row, "next_tli");
        Lsn start = result.lsn(row, "next_tli_startpos");
        if (timeline == 0 || start == null) {
            throw new UnexpectedResultException(result.command() + " result: next_tli or next_tli_startpos is NULL");
        }
        return new NextTimeline(timeline, start);
    }
}
