package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;

/** SSLRequest: asks the server to switch to TLS; the answer is one unframed byte (see SslResponseDecoder). */
public final class SSLRequest implements FrontendMessage {

    public static final SSLRequest INSTANCE = new SSLRequest();
    /** 1234 in the high 16 bits, 5679 in the low. */
    public static final int CODE = 80877103;

    private SSLRequest() {
    }

    @Override
    public void encode(ByteBuf out) {
        out.writeInt(8);
        out.writeInt(CODE);
    }

    @Override
    public String toString() {
        return "SSLRequest";
    }
}
