package io.walstream.archiver.receive;

import io.walstream.walreceiver.ReplicationEventListener;

/**
 * What the server last told us about itself: its end of WAL and its clock, from every XLogData
 * header and keepalive. Runs on the I/O thread; a few volatile writes, no allocation.
 */
final class ServerPosition implements ReplicationEventListener {

    /** Highest end of WAL the server reported (XLogData: its flush position; keepalive: what it has sent). */
    volatile long walEnd;
    /** Server clock (PgEpoch microseconds) in the last message; 0 before any. */
    volatile long lastSendTime;
    /** End of the last WAL byte received. */
    volatile long receivedEnd;

    @Override
    public void onXLogData(long dataStart, long end, long sendTime, int length) {
        receivedEnd = dataStart + length;
        advance(end, sendTime);
    }

    @Override
    public void onKeepalive(long end, long sendTime, boolean replyRequested) {
        advance(end, sendTime);
    }

    private void advance(long end, long sendTime) {
        // A keepalive carries the sent position, which may trail an XLogData's flush position: keep the highest.
        if (end > walEnd) {
            walEnd = end;
        }
        lastSendTime = sendTime;
    }
}
