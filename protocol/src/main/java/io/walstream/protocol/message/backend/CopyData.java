package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/** CopyData ({@code 'd'}) from the server; its content is a retained slice of the received buffer and must be released. */
public final class CopyData extends DefaultByteBufHolder implements BackendMessage {

    public CopyData(ByteBuf content) {
        super(content);
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
