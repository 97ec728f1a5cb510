package io.walstream.protocol.message.frontend;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** Writers shared by the frontend messages. */
final class Encoding {

    private Encoding() {
    }

    /** Writes the type byte and a length placeholder; returns the index of the length field. */
    static int begin(ByteBuf out, char type) {
        out.writeByte(type);
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        return lengthIndex;
    }

    /** Fills in the length (which counts itself but not the type byte). */
    static void end(ByteBuf out, int lengthIndex) {
        out.setInt(lengthIndex, out.writerIndex() - lengthIndex);
    }

    static void cString(ByteBuf out, String value) {
        out.writeCharSequence(value, StandardCharsets.UTF_8);
        out.writeByte(0);
    }

    /** A NUL inside a C string would end it early and let the rest be read as something else. */
    static String requireCString(String value, String what) {
        if (value == null) {
            throw new NullPointerException(what);
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " contains a NUL character");
        }
        return value;
    }
}
