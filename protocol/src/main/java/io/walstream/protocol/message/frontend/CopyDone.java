package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;

/** CopyDone ({@code 'c'}): the client ends its side of the replication stream. */
public final class CopyDone implements FrontendMessage {

    public static final CopyDone INSTANCE = new CopyDone();

    private CopyDone() {
    }

    @Override
    public void encode(ByteBuf out) {
        out.writeByte('c');
        out.writeInt(4);
    }

    @Override
    public String toString() {
        return "CopyDone";
    }
}
