package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/** SASLResponse ({@code 'p'}): further SASL data (for SCRAM, the client-final-message). */
public record SASLResponse(byte[] data) implements FrontendMessage {

    public SASLResponse {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public void encode(ByteBuf out) {
        int lengthIndex = Encoding.begin(out, 'p');
        out.writeBytes(data);
        Encoding.end(out, lengthIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SASLResponse other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "SASLResponse(" + data.length + " bytes)";
    }
}
