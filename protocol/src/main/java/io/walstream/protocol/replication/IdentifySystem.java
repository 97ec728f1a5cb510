package io.walstream.protocol.replication;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.message.backend.DataRow;
import java.util.Objects;

/**
 * The IDENTIFY_SYSTEM row: cluster identifier, current timeline, current flush position and database (null on a
 * physical connection). The system identifier is an unsigned 64-bit number kept in a long.
 */
public record IdentifySystem(long systemId, int timeline, Lsn xlogPos, String dbName) {

    public IdentifySystem {
        Objects.requireNonNull(xlogPos, "xlogPos");
    }

    public static IdentifySystem from(QueryResult result) {
        DataRow row = result.singleRow();
        String systemId = result.requireText(row, "systemid");
        long id;
        try {
            id = Long.parseUnsignedLong(systemId);
        } catch (NumberFormatException e) {
            throw new UnexpectedResultException(result.command() + " result: invalid systemid \"" + systemId + "\"", e);
        }
        int timeline = result.timeline(row, "timeline");
        if (timeline == 0) {
            throw new UnexpectedResultException(result.command() + " result: column \"timeline\" is NULL");
        }
        Lsn xlogPos = result.lsn(row, "xlogpos");
        if (xlogPos == null) {
            throw new UnexpectedResultException(result.command() + " result: column \"xlogpos\" is NULL");
        }
        return new IdentifySystem(id, timeline, xlogPos, result.text(row, "dbname"));
    }

    /** The system identifier in decimal, as {@code pg_controldata} prints it. */
    public String systemIdString() {
        return Long.toUnsignedString(systemId);
    }

    @Override
    public String toString() {
        return "IdentifySystem(systemId=" + systemIdString() + ", timeline=" + Integer.toUnsignedString(timeline)
            + ", xlogPos=" + xlogPos + ", dbName=" + dbName + ')';
    }
}
