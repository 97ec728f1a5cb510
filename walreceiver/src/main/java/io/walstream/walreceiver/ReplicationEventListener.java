package io.walstream.walreceiver;

import io.walstream.protocol.message.backend.ErrorFields;
import io.walstream.protocol.replication.NextTimeline;

/**
 * Sees every protocol event of a replication connection, for metrics, tracing or tests. Every
 * method has a no-op default; override only what you need.
 *
 * <p>All methods run on the connection's I/O thread, before the event is acted on (before the
 * sink gets the WAL, before the reply to a keepalive), and must not block; an exception closes
 * the connection like a protocol error. The
 * per-message events take primitives so that listening allocates nothing per message.
 * Positions are raw LSN values ({@link io.walstream.protocol.Lsn#format}); times are
 * {@link io.walstream.protocol.PgEpoch} microseconds.
 */
public interface ReplicationEventListener {

    /** The listener that ignores everything. */
    ReplicationEventListener NONE = new ReplicationEventListener() {
    };

    /** An XLogData header: {@code length} WAL bytes from {@code dataStart}; the server's end of WAL and clock. */
    default void onXLogData(long dataStart, long walEnd, long sendTime, int length) {
    }

    /** A primary keepalive; when {@code replyRequested} a status update follows at once. */
    default void onKeepalive(long walEnd, long sendTime, boolean replyRequested) {
    }

    /** The timeline {@code endedTimeline} ended and the server named the next one. */
    default void onEndOfTimeline(int endedTimeline, NextTimeline next) {
    }

    /** A ParameterStatus (server_version, integer_datetimes, ...), at startup or later. */
    default void onParameterStatus(String name, String value) {
    }

    /** A NoticeResponse (warnings, e.g. about a slot's WAL being invalidated soon). */
    default void onNotice(ErrorFields fields) {
    }

    /** A standby status update was sent with these positions and this client time. */
    default void onStatusSent(long write, long flush, long apply, long clientTime) {
    }
}
