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

    /** {@code length} bytes; a length beyond what the message holds is refused before anything is allocated. */
    static byte[] bytes(ByteBuf buf, int length) {
        if (length < 0 || length > buf.readableBytes()) {
            // found by fuzzing: a DataRow column declaring 2 GB made us allocate it (OutOfMemoryError); the
            // decoder reports a field running past its message as "shorter than its fields"
            throw new IndexOutOfBoundsException(length + " bytes wanted, " + buf.readableBytes() + " left");
        }
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
