package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/** BackendKeyData ({@code 'K'}): what a CancelRequest needs. Protocol 3.2 (PostgreSQL 18) allows secret keys of up to 256 bytes. */
public record BackendKeyData(int processId, byte[] secretKey) implements BackendMessage {

    public static final int MIN_SECRET_LENGTH = 4;
    public static final int MAX_SECRET_LENGTH = 256;

    public BackendKeyData {
        if (secretKey.length < MIN_SECRET_LENGTH || secretKey.length > MAX_SECRET_LENGTH) {
            throw new IllegalArgumentException("secret key length: " + secretKey.length + " (expected: 4..256)");
        }
        secretKey = secretKey.clone();
    }

    static BackendKeyData decode(ByteBuf body) {
        return new BackendKeyData(body.readInt(), Decoding.remaining(body));
    }

    @Override
    public byte[] secretKey() {
        return secretKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BackendKeyData other && processId == other.processId && Arrays.equals(secretKey, other.secretKey);
    }

    @Override
    public int hashCode() {
        return 31 * processId + Arrays.hashCode(secretKey);
    }

    @Override
    public String toString() {
        return "BackendKeyData(processId=" + processId + ", secretKey=" + secretKey.length + " bytes)";
    }
}
