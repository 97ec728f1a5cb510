package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import io.walstream.protocol.ProtocolViolationException;
import java.nio.charset.StandardCharsets;

/** Field readers shared by the message decoders; each fails with a {@link ProtocolViolationException}. */
final class Decoding {

    private Decoding() {
    }

    /** Reads a NUL-terminated UTF-8 string. */
    static String cString(ByteBuf buf, String messageName) {
        int length = buf.bytesBefore((byte) 0);
        if (length < 0) {
            throw new ProtocolViolationException(messageName + ": string without terminating NUL");
        }
        String value = buf.toString(buf.readerIndex(), length, StandardCharsets.UTF_8);
        buf.skipBytes(length + 1);
        return value;
    }

    static byte[] bytes(ByteBuf buf, int length) {
        byte[] bytes = new byte[length];
        buf.readBytes(bytes);
        return bytes;
    }

    static byte[] remaining(ByteBuf buf) {
        return bytes(buf, buf.readableBytes());
    }

    /** Printable form of a type byte for error messages: {@code 'x' (0x78)}. */
    static String describeByte(byte b) {
        String hex = String.format("0x%02X", b & 0xFF);
        return b >= 0x20 && b < 0x7F ? "'" + (char) b + "' (" + hex + ")" : hex;
    }
}
