package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes {@link FrontendMessage}s to the channel; releases reference-counted ones (CopyData) after writing. */
@Sharable
public final class FrontendMessageEncoder extends MessageToByteEncoder<FrontendMessage> {

    public FrontendMessageEncoder() {
        super(FrontendMessage.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, FrontendMessage msg, ByteBuf out) {
        msg.encode(out);
    }
}
