package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;
import io.walstream.protocol.Lsn;
import java.util.Objects;

/**
 * Standby status update ({@code 'r'} in CopyData): positions written, flushed and applied (each the last byte + 1;
 * {@link Lsn#INVALID} means unknown), client time in {@link io.walstream.protocol.PgEpoch} microseconds, and whether
 * the server should answer with a keepalive at once.
 */
public record StandbyStatusUpdate(Lsn write, Lsn flush, Lsn apply, long clientTime, boolean replyRequested) implements FrontendMessage {

    public static final byte TYPE = 'r';
    /** 'r', four Int64, one Byte1. */
    public static final int PAYLOAD_LENGTH = 1 + 8 * 4 + 1;

    public StandbyStatusUpdate {
        Objects.requireNonNull(write, "write");
        Objects.requireNonNull(flush, "flush");
        Objects.requireNonNull(apply, "apply");
    }

    /** Writes the whole CopyData message (5 + 34 bytes). */
    @Override
    public void encode(ByteBuf out) {
        encode(out, write.value(), flush.value(), apply.value(), clientTime, replyRequested);
    }

    /** Writes the whole CopyData message (5 + 34 bytes) from raw values; allocates nothing. */
    public static void encode(ByteBuf out, long write, long flush, long apply, long clientTime, boolean replyRequested) {
        out.writeByte('d');
        out.writeInt(4 + PAYLOAD_LENGTH);
        writePayload(out, write, flush, apply, clientTime, replyRequested);
    }

    /** Writes only the 34-byte payload that goes inside CopyData; allocates nothing. */
    public static void writePayload(ByteBuf out, long write, long flush, long apply, long clientTime, boolean replyRequested) {
        out.writeByte(TYPE);
        out.writeLong(write);
        out.writeLong(flush);
        out.writeLong(apply);
        out.writeLong(clientTime);
        out.writeByte(replyRequested ? 1 : 0);
    }
}
