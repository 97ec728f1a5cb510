package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;

/** Terminate ({@code 'X'}): the client closes the connection. */
public final class Terminate implements FrontendMessage {

    public static final Terminate INSTANCE = new Terminate();

    private Terminate() {
    }

    @Override
    public void encode(ByteBuf out) {
        out.writeByte('X');
        out.writeInt(4);
    }

    @Override
    public String toString() {
        return "Terminate";
    }
}
