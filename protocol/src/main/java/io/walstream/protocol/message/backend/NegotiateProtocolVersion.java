package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/** NegotiateProtocolVersion ({@code 'v'}): the newest minor protocol version the server supports and the startup options it did not recognize. */
public record NegotiateProtocolVersion(int newestMinorVersion, List<String> unrecognizedOptions) implements BackendMessage {

    public NegotiateProtocolVersion {
        unrecognizedOptions = List.copyOf(unrecognizedOptions);
    }

    static NegotiateProtocolVersion decode(ByteBuf body) {
        int minor = body.readInt();
        int count = body.readInt();
        if (count < 0 || count > body.readableBytes()) {
            throw new IndexOutOfBoundsException("NegotiateProtocolVersion with " + count + " options in " + body.readableBytes() + " bytes");
        }
        List<String> options = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            options.add(Decoding.cString(body, "NegotiateProtocolVersion"));
        }
        return new NegotiateProtocolVersion(minor, options);
    }
}
