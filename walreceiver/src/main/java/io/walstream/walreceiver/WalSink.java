package io.walstream.walreceiver;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.message.backend.PrimaryKeepalive;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.protocol.replication.NextTimeline;
import io.walstream.protocol.replication.TimelineHistoryFile;

/**
 * Where received WAL goes, and where the positions reported to the server come from.
 *
 * <p>{@link #onWal}, {@link #onReadComplete} and {@link #onKeepalive} run on the connection's I/O
 * thread; nothing is read while they run, so they should hand work off rather than block (a
 * synchronous archive is the exception on purpose: it writes and fsyncs there, like pg_receivewal). The position methods may be called from that thread at any time; the client reports
 * exactly what they return and never claims more.
 */
public interface WalSink {

    /**
     * Takes ownership of {@code data} (release it when done). Return false when the sink is
     * above its high-water mark: the client then stops reading the socket until
     * {@link ReplicationStream#resumeReading()}. Bytes already read from the socket are still
     * delivered, so expect at most one socket read (about 64 KiB plus one message) more.
     */
    boolean onWal(XLogData data);

    /**
     * The end of one socket read: every message it held has been given to {@link #onWal}. A sink that
     * fsyncs per batch does it here (on the I/O thread, as pg_receivewal does in its loop) and returns
     * true: the client then sends a status update with the new positions before it reads on, without
     * the sink calling {@link StreamControl#sendStatusNow()} back.
     */
    default boolean onReadComplete() {
        return false;
    }

    /** A keepalive; when it asks for a reply the client sends a status update right after this returns. */
    default void onKeepalive(PrimaryKeepalive keepalive) {
    }

    /** The position after the last byte written (not necessarily durable); 0 if unknown. */
    long writtenLsn();

    /** The position after the last byte that is durable (fsynced); 0 if unknown. Never more than {@link #writtenLsn()}. */
    long flushedLsn();

    /** The position after the last byte applied; 0 for an archiver, which applies nothing. */
    default long appliedLsn() {
        return 0;
    }

    /**
     * The timeline ended: {@code next} is the server's next timeline and where it starts, and
     * {@code history} its history file. Returns the position to continue streaming from on the
     * next timeline (pg_receivewal restarts at the start of the segment holding the switch point).
     */
    default Lsn onTimelineSwitch(int endedTimeline, NextTimeline next, TimelineHistoryFile history) {
        return next.startPosition();
    }
}
