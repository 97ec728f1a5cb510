package io.walstream.protocol.message.backend;

import io.walstream.protocol.Lsn;

/**
 * Primary keepalive ({@code 'k'} in CopyData). When {@code replyRequested} is set the server wants a standby status
 * update at once (it is about to hit {@code wal_sender_timeout}, or it is shutting down).
 */
public record PrimaryKeepalive(long walEnd, long sendTime, boolean replyRequested) implements BackendMessage {

    /** Sub-type byte, two Int64 and one Byte1. */
    public static final int LENGTH = 1 + 8 + 8 + 1;

    @Override
    public String toString() {
        return "PrimaryKeepalive(walEnd=" + Lsn.format(walEnd) + ", sendTime=" + sendTime + ", replyRequested=" + replyRequested + ')';
    }
}
