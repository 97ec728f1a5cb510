package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/** CopyData ({@code 'd'}) from the client; the encoder releases it after writing. */
public final class CopyData extends DefaultByteBufHolder implements FrontendMessage {

    public CopyData(ByteBuf content) {
        super(content);
    }

    @Override
    public void encode(ByteBuf out) {
        ByteBuf content = content();
        out.writeByte('d');
        out.writeInt(4 + content.readableBytes());
        out.writeBytes(content, content.readerIndex(), content.readableBytes());
    }

    @Override
    public CopyData copy() {
        return replace(content().copy());
    }

    @Override
    public CopyData duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public CopyData retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public CopyData replace(ByteBuf content) {
        return new CopyData(content);
    }

    @Override
    public CopyData retain() {
        super.retain();
        return this;
    }

    @Override
    public CopyData retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public CopyData touch() {
        super.touch();
        return this;
    }

    @Override
    public CopyData touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "CopyData(" + content().readableBytes() + " bytes)";
    }
}
