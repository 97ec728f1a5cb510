package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/** SASLInitialResponse ({@code 'p'}): the chosen mechanism and the client-first data, or none (sent as length -1). */
public record SASLInitialResponse(String mechanism, byte[] initialResponse) implements FrontendMessage {

    public SASLInitialResponse {
        Encoding.requireCString(mechanism, "mechanism");
        initialResponse = initialResponse == null ? null : initialResponse.clone();
    }

    @Override
    public byte[] initialResponse() {
        return initialResponse == null ? null : initialResponse.clone();
    }

    @Override
    public void encode(ByteBuf out) {
        int lengthIndex = Encoding.begin(out, 'p');
        Encoding.cString(out, mechanism);
        if (initialResponse == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(initialResponse.length);
            out.writeBytes(initialResponse);
        }
        Encoding.end(out, lengthIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SASLInitialResponse other && mechanism.equals(other.mechanism) && Arrays.equals(initialResponse, other.initialResponse);
    }

    @Override
    public int hashCode() {
        return 31 * mechanism.hashCode() + Arrays.hashCode(initialResponse);
    }

    @Override
    public String toString() {
        return "SASLInitialResponse(" + mechanism + ", " + (initialResponse == null ? "no data" : initialResponse.length + " bytes") + ')';
    }
}
