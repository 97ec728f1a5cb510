package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.walstream.protocol.ProtocolViolationException;
import java.util.List;

/**
 * Turns the CopyData of a physical replication stream into {@link XLogData} ({@code 'w'}) and
 * {@link PrimaryKeepalive} ({@code 'k'}). WAL bytes are passed on as a retained slice, never copied.
 * Stateless; any other sub-type is a {@link ProtocolViolationException}. Only needed after a
 * {@link BackendMessageDecoder} built with {@code decodeReplicationMessages = false}.
 */
@Sharable
public final class ReplicationMessageDecoder extends MessageToMessageDecoder<CopyData> {

    public static final byte XLOG_DATA = 'w';
    public static final byte PRIMARY_KEEPALIVE = 'k';

    public ReplicationMessageDecoder() {
        super(CopyData.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, CopyData msg, List<Object> out) {
        out.add(decode(msg.content()));
    }

    /**
     * Decodes one CopyData payload without changing its reader index. For XLogData the result holds a retained
     * slice of {@code payload}; the caller still owns (and releases) {@code payload} itself.
     */
    public static BackendMessage decode(ByteBuf payload) {
        return decode(payload, payload.readerIndex(), payload.readableBytes());
    }

    /** Decodes the payload at {@code buf[index, index + length)}; XLogData gets a retained slice of that region. */
    static BackendMessage decode(ByteBuf buf, int index, int length) {
        if (length == 0) {
            throw new ProtocolViolationException("empty CopyData in replication stream");
        }
        byte subType = buf.getByte(index);
        if (subType == XLOG_DATA) {
            if (length < XLogData.HEADER_LENGTH) {
                throw new ProtocolViolationException("XLogData length: " + length + " (expected: >= " + XLogData.HEADER_LENGTH + ")");
            }
            return new XLogData(buf.getLong(index + 1), buf.getLong(index + 9), buf.getLong(index + 17),
                buf.retainedSlice(index + XLogData.HEADER_LENGTH, length - XLogData.HEADER_LENGTH));
        }
        if (subType == PRIMARY_KEEPALIVE) {
            if (length != PrimaryKeepalive.LENGTH) {
                throw new ProtocolViolationException("PrimaryKeepalive length: " + length + " (expected: " + PrimaryKeepalive.LENGTH + ")");
            }
            return new PrimaryKeepalive(buf.getLong(index + 1), buf.getLong(index + 9), buf.getByte(index + 17) != 0);
        }
        throw new ProtocolViolationException("unknown replication message type in CopyData: " + Decoding.describeByte(subType));
    }
}
