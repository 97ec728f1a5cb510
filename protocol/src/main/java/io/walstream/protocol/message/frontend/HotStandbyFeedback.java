package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;

/**
 * Hot standby feedback ({@code 'h'} in CopyData): the oldest transaction IDs the standby's queries still need, with
 * their epochs (PostgreSQL 10+). An xmin of 0 tells the server to stop holding back for this standby.
 */
public record HotStandbyFeedback(long clientTime, int xmin, int xminEpoch, int catalogXmin, int catalogXminEpoch) implements FrontendMessage {

    public static final byte TYPE = 'h';
    /** 'h', one Int64, four Int32. */
    public static final int PAYLOAD_LENGTH = 1 + 8 + 4 * 4;

    /** Writes the whole CopyData message (5 + 25 bytes). */
    @Override
    public void encode(ByteBuf out) {
        encode(out, clientTime, xmin, xminEpoch, catalogXmin, catalogXminEpoch);
    }

    /** Writes the whole CopyData message (5 + 25 bytes) from raw values; allocates nothing. */
    public static void encode(ByteBuf out, long clientTime, int xmin, int xminEpoch, int catalogXmin, int catalogXminEpoch) {
        out.writeByte('d');
        out.writeInt(4 + PAYLOAD_LENGTH);
        writePayload(out, clientTime, xmin, xminEpoch, catalogXmin, catalogXminEpoch);
    }

    /** Writes only the 25-byte payload that goes inside CopyData; allocates nothing. */
    public static void writePayload(ByteBuf out, long clientTime, int xmin, int xminEpoch, int catalogXmin, int catalogXminEpoch) {
        out.writeByte(TYPE);
        out.writeLong(clientTime);
        out.writeInt(xmin);
        out.writeInt(xminEpoch);
        out.writeInt(catalogXmin);
        out.writeInt(catalogXminEpoch);
    }
}
